"""The mutation library: one small named function per way a file can arrive broken.

Every mutation takes a scenario folder (a copy: it is changed in place) and a
``random.Random`` (hypothesis's ``st.randoms()`` works too, and shrinks) and returns
a short description of what it did, e.g. ``"supply.csv row 17, column tonnes:
'0.4' -> 'nan'"``. A mutation that finds nothing to act on (an earlier one deleted
the file it needs) changes nothing and says so.

Mutations run in stages so that combining them keeps each one meaningful: cell,
column and key edits first (they read and rewrite a file), then whole-file changes
(empty, truncated, deleted, stray files), then byte-level ones (BOM, CRLF, another
encoding) that a rewrite would undo. :func:`apply` sorts by stage.
"""

from __future__ import annotations

import random
import re
from datetime import date
from pathlib import Path

from tests.fuzz.editing import (
    BYTES,
    CELLS,
    CSV_FILES,
    FILES,
    MUTATIONS,
    OPTIONAL_FILES,
    REQUIRED_FILES,
    SCENARIO_FILES,
    TOML,
    Raw,
    apply,
    copy_sample,
    kind_of,
    mutation,
    names,
    of_kind,
    pick_cell,
    pick_file,
    pick_table,
    read_rows,
    read_toml,
    set_cell,
    set_key,
    short,
    write_rows,
)

__all__ = ["MUTATIONS", "apply", "copy_sample", "kind_of", "names", "pick_cell", "read_rows",
           "read_toml", "write_rows"]


# ------------------------------------------------------------------ columns

@mutation(CELLS)
def delete_column(folder: Path, rnd: random.Random) -> str:
    """Remove one column (header and cells) from a CSV."""
    picked = pick_table(folder, rnd)
    if picked is None:
        return "no CSV left: nothing done"
    path, rows = picked
    k = rnd.randrange(len(rows[0]))
    write_rows(path, [[c for j, c in enumerate(r) if j != k] for r in rows])
    return f"{path.name}: column {rows[0][k]!r} deleted"


@mutation(CELLS)
def rename_column(folder: Path, rnd: random.Random) -> str:
    """Rename one header cell: a typo, another case, a duplicate, a blank, invisible junk."""
    picked = pick_table(folder, rnd)
    if picked is None:
        return "no CSV left: nothing done"
    path, rows = picked
    k = rnd.randrange(len(rows[0]))
    old = rows[0][k]
    others = [c for c in rows[0] if c != old] or ["x"]
    new = rnd.choice([
        old.upper(), old + "_x", old[:-1], old[:1] + old[2:], old.replace("_", " "),
        " " + old + " ", "", rnd.choice(others), old + "\u200b", "Ünïcödé", "x" * 300,
        old + "(t)", "a,b",
    ])
    rows[0][k] = new
    write_rows(path, rows)
    return f"{path.name}: column {old!r} renamed {short(new)}"


# ------------------------------------------------------------------ cells

TEXT_NOT_NUMBERS = ["two", "1,5", "12 t", "£5", "1_000", "0x10", "1e", "--1", "1.2.3",
                    "١٢", "½", "TRUE", "None", "null", "#N/A", "#VALUE!", "=1+1", "'5",
                    "5%", "1 000", "+3", " 7 ", ".5", "1e5", "0b1", "1j"]
NUMBERS_NOT_BOOLS = ["2", "1.0", "0.5", "-1", "10", "1e0", "yes please", "TRUE", "Y", "ja",
                     "nan", "0", "on", "off", "✓"]
SPECIAL_NUMBERS = ["nan", "NaN", "-nan", "inf", "-inf", "Infinity", "-Infinity", "1e300",
                   "-1e300", "1e20", "-1e20", "1e309", "-1e309", "-1", "-0.5", "0", "-0",
                   "0.0", "1e-300", "5e-324", "1e9", "1e10", "9007199254740993",
                   "100000000000000000000000", "1" + "0" * 400]
NOT_ISO_WEEKS = ["2026-W60", "2026-13-01", "next week", "", "2026-W00", "2026-w49", "2026-W5",
                 "99999-W01", "2027-W53", "0000-W01", "0001-W01", "9999-W52", "9999-W53",
                 "2026–W49", "W49", "2026-11-23", "all", "ALL", "2026-W49-1", "2026W49",
                 " 2026-W49 ", "２０２６-W49"]
JUNK_TEXT = ["Ünïcödé", "a\nb", '"quoted"', "x" * 200_000, "\t", "=cmd|' /C calc'!A0",
             "'; DROP TABLE sites;--", "\u200b", "🙂", "\x7f", "a,b", "\\", "${HOME}"]


@mutation(CELLS)
def text_in_number(folder: Path, rnd: random.Random) -> str:
    """Text (units, separators, spreadsheet errors) in a numeric cell."""
    return set_cell(folder, rnd, of_kind("float", "int"), TEXT_NOT_NUMBERS)


@mutation(CELLS)
def number_in_bool(folder: Path, rnd: random.Random) -> str:
    """A number (or other non-boolean) in a true/false cell."""
    return set_cell(folder, rnd, of_kind("bool"), NUMBERS_NOT_BOOLS)


@mutation(CELLS)
def special_number(folder: Path, rnd: random.Random) -> str:
    """NaN, inf, -inf, huge, tiny, negative or zero in a numeric cell."""
    return set_cell(folder, rnd, of_kind("float", "int"), SPECIAL_NUMBERS)


@mutation(CELLS)
def blank_cell(folder: Path, rnd: random.Random) -> str:
    """Any cell left blank."""
    return set_cell(folder, rnd, lambda file, column: True, [""])


@mutation(CELLS)
def junk_text(folder: Path, rnd: random.Random) -> str:
    """Any cell set to junk: unicode, a newline, quotes, 200,000 characters, formulas."""
    return set_cell(folder, rnd, lambda file, column: True, JUNK_TEXT)


REFERENCES = {
    "supply.csv": ("site_id", "feedstock_id"), "inventory.csv": ("site_id", "feedstock_id"),
    "plants.csv": ("site_id", "yield_basis", "product"),
    "lanes.csv": ("origin", "destination", "mode"), "hubs.csv": ("site_id",),
    "plant_specs.csv": ("site_id", "attribute"), "expansions.csv": ("site_id",),
    "outlets.csv": ("site_id", "feedstock_id"), "offtake.csv": ("product",),
}
DEFINITIONS = {"sites.csv": "site_id", "feedstocks.csv": "feedstock_id", "modes.csv": "mode"}


@mutation(CELLS)
def unknown_reference(folder: Path, rnd: random.Random) -> str:
    """An id that names nothing (or the wrong kind of thing), or a renamed definition."""
    if rnd.random() < 0.25:  # rename where the id is defined: every reference breaks
        return set_cell(folder, rnd, lambda f, c: DEFINITIONS.get(f) == c,
                         lambda f, c, old: rnd.choice([old + "_renamed", old.upper(), ""]))
    ids = [r[0] for r in read_rows(folder / "sites.csv") or [[""]]][1:] or ["x"]
    return set_cell(folder, rnd, lambda f, c: c in REFERENCES.get(f, ()),
                     ["nowhere", "NOWHERE", "", "*", "Ionic Belfast", "ev_motor_magnets",
                      "hgv", "reo", "magnet_share", "name", "sector", rnd.choice(ids),
                      " " + rnd.choice(ids) + " "])


@mutation(CELLS)
def bad_week(folder: Path, rnd: random.Random) -> str:
    """A week that is not an ISO week, in a CSV or as scenario.toml's start_week."""
    if rnd.random() < 0.2:
        return set_key(folder, "start_week", rnd.choice(NOT_ISO_WEEKS))
    return set_cell(folder, rnd, of_kind("week", "week_or_all"), NOT_ISO_WEEKS)


# ------------------------------------------------------------------ rows

@mutation(CELLS)
def duplicate_row(folder: Path, rnd: random.Random) -> str:
    """A data row copied to another place in the same file."""
    picked = pick_table(folder, rnd, with_rows=True)
    if picked is None:
        return "no CSV with rows left: nothing done"
    path, rows = picked
    r = rnd.randrange(1, len(rows))
    at = rnd.randrange(1, len(rows) + 1)
    rows.insert(at, list(rows[r]))
    write_rows(path, rows)
    return f"{path.name}: row {r + 1} copied to row {at + 1}"


@mutation(CELLS)
def extra_cells(folder: Path, rnd: random.Random) -> str:
    """More values on a row than the header has columns (blank or not)."""
    picked = pick_table(folder, rnd, with_rows=True)
    if picked is None:
        return "no CSV with rows left: nothing done"
    path, rows = picked
    r = rnd.randrange(1, len(rows))
    extra = rnd.choice([[""], ["", ""], ["x"], ["", "1"], ["a", "b", "c"]])
    rows[r] = rows[r] + extra
    write_rows(path, rows)
    return f"{path.name}: row {r + 1} gets {len(extra)} extra cell(s) {extra}"


@mutation(CELLS)
def short_row(folder: Path, rnd: random.Random) -> str:
    """A row with fewer values than the header (trailing cells missing)."""
    picked = pick_table(folder, rnd, with_rows=True)
    if picked is None:
        return "no CSV with rows left: nothing done"
    path, rows = picked
    r = rnd.randrange(1, len(rows))
    keep = rnd.randrange(0, max(1, len(rows[r])))
    rows[r] = rows[r][:keep]
    write_rows(path, rows)
    return f"{path.name}: row {r + 1} cut to {keep} value(s)"


# ------------------------------------------------------------------ whole files

@mutation(FILES)
def empty_file(folder: Path, rnd: random.Random) -> str:
    """A CSV of 0 bytes (or only whitespace)."""
    path = pick_file(folder, rnd, CSV_FILES)
    if path is None:
        return "no CSV left: nothing done"
    content = rnd.choice([b"", b"", b"\n", b"\r\n\r\n", b"   "])
    path.write_bytes(content)
    return f"{path.name}: now {content!r}"


@mutation(FILES)
def header_only(folder: Path, rnd: random.Random) -> str:
    """A CSV with its header row and no data."""
    picked = pick_table(folder, rnd)
    if picked is None:
        return "no CSV left: nothing done"
    path, rows = picked
    write_rows(path, rows[:1])
    return f"{path.name}: header only"


@mutation(FILES)
def truncate_file(folder: Path, rnd: random.Random) -> str:
    """A file cut off part-way (an interrupted copy or download)."""
    path = pick_file(folder, rnd, SCENARIO_FILES)
    if path is None:
        return "no file left: nothing done"
    data = path.read_bytes()
    cut = rnd.randrange(0, max(1, len(data)))
    path.write_bytes(data[:cut])
    return f"{path.name}: cut to {cut} of {len(data)} bytes"


@mutation(FILES)
def semicolon_separated(folder: Path, rnd: random.Random) -> str:
    """A CSV saved by a European spreadsheet: ';' between cells, ',' as decimal mark."""
    picked = pick_table(folder, rnd)
    if picked is None:
        return "no CSV left: nothing done"
    path, rows = picked
    decimal = [[re.sub(r"^(-?\d+)\.(\d+)$", r"\1,\2", c) for c in r] for r in rows]
    write_rows(path, decimal, delimiter=rnd.choice([";", "\t"]))
    return f"{path.name}: rewritten with another separator and decimal commas"


STRAY_FILES: dict[str, bytes] = {
    "notes.txt": b"Remember to ask Ionic about W52 downtime.\n",
    "extra.csv": b"a,b\n1,2\n",
    "plan.xlsx": b"PK\x03\x04\x14\x00\x06\x00junk\xff\xfe\x00",
    "~$sites.xlsx": b"\x00\x01\x02",
    "sites.geojson": b'{"type": "FeatureCollection", "features": [',
    "Sites.CSV": b"site_id\nx\n",
    "supply.csv.bak": b"\xff\xfe\x00",
    "scenario.toml.orig": b"name = \n",
    ".DS_Store": b"\x00\x00\x00\x01Bud1",
    "summary.json": b"{not json",
}


@mutation(FILES)
def stray_file(folder: Path, rnd: random.Random) -> str:
    """A file (or folder) in the scenario folder that is not a scenario file."""
    if rnd.random() < 0.15:
        sub = folder / "archive"
        sub.mkdir(exist_ok=True)
        (sub / "supply.csv").write_bytes(b"junk")
        return "folder archive/ with a junk supply.csv"
    name = rnd.choice(sorted(STRAY_FILES))
    (folder / name).write_bytes(STRAY_FILES[name])
    return f"stray file {name}"


@mutation(FILES)
def delete_optional_file(folder: Path, rnd: random.Random) -> str:
    """An optional scenario file removed."""
    return _delete_one(folder, rnd, OPTIONAL_FILES, "optional")


@mutation(FILES)
def delete_required_file(folder: Path, rnd: random.Random) -> str:
    """A required scenario file (or scenario.toml) removed."""
    return _delete_one(folder, rnd, REQUIRED_FILES, "required")


def _delete_one(folder: Path, rnd: random.Random, names: list[str], kind: str) -> str:
    path = pick_file(folder, rnd, names)
    if path is None:
        return f"no {kind} file left: nothing done"
    path.unlink()
    return f"{path.name} deleted"


# ------------------------------------------------------------------ bytes

@mutation(BYTES)
def utf8_bom(folder: Path, rnd: random.Random) -> str:
    """A UTF-8 byte-order mark at the start (Excel's "CSV UTF-8")."""
    path = pick_file(folder, rnd, SCENARIO_FILES)
    if path is None:
        return "no file left: nothing done"
    data = path.read_bytes()
    path.write_bytes(b"\xef\xbb\xbf" + data)
    return f"{path.name}: BOM added"


@mutation(BYTES)
def crlf(folder: Path, rnd: random.Random) -> str:
    """Windows (CRLF) or old-Mac (CR) line endings."""
    path = pick_file(folder, rnd, SCENARIO_FILES)
    if path is None:
        return "no file left: nothing done"
    ending = rnd.choice([b"\r\n", b"\r\n", b"\r"])
    path.write_bytes(path.read_bytes().replace(b"\r\n", b"\n").replace(b"\n", ending))
    return f"{path.name}: line endings {ending!r}"


@mutation(BYTES)
def other_encoding(folder: Path, rnd: random.Random) -> str:
    """A file saved as Windows-1252 (with a £) or UTF-16, not UTF-8."""
    path = pick_file(folder, rnd, SCENARIO_FILES)
    if path is None:
        return "no file left: nothing done"
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        return f"{path.name}: already not UTF-8"
    if rnd.random() < 0.5:
        path.write_bytes(text.encode("utf-16"))
        return f"{path.name}: saved as UTF-16"
    lines = text.split("\n")
    at = rnd.randrange(len(lines))
    lines[at] = lines[at] + ("  # £ café" if path.name == TOML else "£")
    path.write_bytes("\n".join(lines).encode("cp1252", errors="replace"))
    return f"{path.name}: saved as cp1252 with a £ on line {at + 1}"


@mutation(BYTES)
def nul_byte(folder: Path, rnd: random.Random) -> str:
    """A NUL byte somewhere in a file."""
    path = pick_file(folder, rnd, SCENARIO_FILES)
    if path is None:
        return "no file left: nothing done"
    data = path.read_bytes()
    at = rnd.randrange(0, len(data) + 1)
    path.write_bytes(data[:at] + b"\x00" + data[at:])
    return f"{path.name}: NUL at byte {at}"


TOML_KEYS = ["name", "description", "start_week", "weeks", "network", "policy", "solver",
             "network.auto_road_lanes", "network.road_circuity", "network.max_road_km",
             "network.nearest", "policy.leakage_penalty_gbp_per_t", "policy.max_leakage_share",
             "policy.max_leakage_t",
             "policy.carbon_price_gbp_per_t_co2e", "policy.terminal_stock_penalty_gbp_per_t",
             "policy.sectors", "policy.sectors.wind",
             "policy.sectors.wind.leakage_penalty_gbp_per_t", "solver.name",
             "solver.time_limit_s", "solver.mip_rel_gap", "solver.threads", "solver.seed"]
TOML_NUMBERS = [k for k in TOML_KEYS if k.split(".")[-1] in {
    "weeks", "road_circuity", "max_road_km", "nearest", "leakage_penalty_gbp_per_t",
    "max_leakage_share", "max_leakage_t", "carbon_price_gbp_per_t_co2e",
    "terminal_stock_penalty_gbp_per_t",
    "time_limit_s", "mip_rel_gap", "threads", "seed"}]


@mutation(CELLS)
def toml_wrong_type(folder: Path, rnd: random.Random) -> str:
    """A scenario.toml key given a value of the wrong type (string, date, list, table...)."""
    value = rnd.choice(["12", "", "true", 12.5, True, 3, date(2026, 11, 23), [1, 2], [],
                        Raw("{ a = 1 }"), Raw("{}"), Raw("2026-11-23T10:00:00"),
                        Raw("10:00:00"), "highs\n"])
    return set_key(folder, rnd.choice(TOML_KEYS), value)


@mutation(CELLS)
def toml_extreme_value(folder: Path, rnd: random.Random) -> str:
    """A numeric scenario.toml key set to nan, inf, huge, tiny, negative or zero."""
    value = rnd.choice([float("nan"), float("inf"), float("-inf"), 1e300, -1e300, 1e20, 1e9,
                        -1, -1.0, 0, 0.0, -0.0, 1e-300, 10**30, -(10**30), 2**63, 2**31,
                        521, 100_000])
    return set_key(folder, rnd.choice(TOML_NUMBERS), value)


@mutation(CELLS)
def toml_unknown_key(folder: Path, rnd: random.Random) -> str:
    """A key scenario.toml does not know: misspelt, or new, at any level."""
    key = rnd.choice(["weks", "Weeks", "horizon", "network.nearst", "network.rail",
                      "policy.leakage_penalty", "policy.sectors.wind.penalty",
                      "policy.sectors.defence.leakage_penalty_gbp_per_t",
                      "solver.timelimit", "solver.options.presolve", "extra.key",
                      "policy.sectors.wind.leakage_penalty_gbp_per_t.x"])
    return set_key(folder, key, rnd.choice([1, "x", True, 0.5]))


@mutation(FILES)
def empty_toml(folder: Path, rnd: random.Random) -> str:
    """scenario.toml of 0 bytes (or only blanks / only a comment)."""
    content = rnd.choice([b"", b"", b"\n\n", b"# nothing here\n"])
    (folder / TOML).write_bytes(content)
    return f"scenario.toml: now {content!r}"


TOML_BREAKAGES = [
    ("append", "weeks =\n"), ("append", "[network\n"), ("append", 'name = "unterminated\n'),
    ("prepend", "weeks = 12\n"), ("append", "= 5\n"), ("append", "[[policy]]\nx = 1\n"),
    ("prepend", "start_week: 2026-W48\n"), ("append", "[network]\nnearest = 2\n"),
    ("append", "key = 'a' 'b'\n"), ("prepend", "\ufeff"), ("append", "x = 1979-05-27T07:32\n"),
    ("replace", ('"""', '"')), ("replace", ("=", ":")), ("replace", ("[policy]", "[policy.")),
]


@mutation(FILES)
def toml_syntax_error(folder: Path, rnd: random.Random) -> str:
    """scenario.toml that TOML cannot parse (or parses into something surprising)."""
    path = folder / TOML
    if not path.is_file():
        return "scenario.toml absent: nothing done"
    text = path.read_bytes().decode("utf-8", errors="replace")
    how, what = rnd.choice(TOML_BREAKAGES)
    if how == "append":
        text = text + "\n" + what
    elif how == "prepend":
        text = what + text
    else:
        text = text.replace(what[0], what[1], 1)
    path.write_text(text, encoding="utf-8")
    return f"scenario.toml: {how} {what!r}"
