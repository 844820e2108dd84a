"""futures.toml: futures read, checked against the scenario, every problem at once; sampling."""

from __future__ import annotations

import pytest

from feedstock import load_scenario
from feedstock.optimizer.base.errors import ScenarioError
from feedstock.optimizer.scenario.futures import read_futures, sample_futures
from tests.conftest import ROOT

UK_2035 = ROOT / "data" / "uk-2035"


@pytest.fixture(scope="module")
def sc():
    return load_scenario(UK_2035)


def write(tmp_path, text: str):
    path = tmp_path / "futures.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_sample_futures_read_and_the_reference_is_marked(sc):
    f = read_futures(UK_2035 / "futures.toml", sc)
    assert len(f) >= 5
    assert sum(x.probability for x in f.futures) == pytest.approx(1.0, abs=1e-9)
    assert f.reference.name == "central"
    assert {"central", "fast-ev", "slow-collection", "ndpr-halves", "export-ban-2029"} \
        <= set(f.names)


def test_without_a_reference_the_most_probable_future_is_it(sc, tmp_path):
    f = read_futures(write(tmp_path, "[a]\nprobability = 0.3\n[b]\nprobability = 0.7\n"), sc)
    assert f.reference.name == "b"


def test_every_problem_is_reported_at_once_naming_the_future_and_key(sc, tmp_path):
    text = """
stray = 1
[a]
probability = 0.5
reference = true
"forecast.index[sector=vehicle] *=" = 1.6
[b]
probability = 0.2
reference = true
"plants.no_such_column[*]" = 3
[c]
probability = 1.5
"strategy.years" = 4
[" "]
probability = 0.1
"""
    with pytest.raises(ScenarioError) as err:
        read_futures(write(tmp_path, text), sc)
    text = str(err.value)
    assert "key stray" in text and "not inside a future" in text
    assert "c.probability" in text and "must be a number in [0, 1]" in text
    assert "c.strategy.years" in text and "may not change the horizon" in text
    assert "a future needs a name" in text
    assert "at most one future is the reference" in text and "a, b" in text
    assert "b: plants.no_such_column" in text  # the override that matches nothing, named
    assert err.value.exit_code == 2


def test_probabilities_that_do_not_add_to_one_are_refused(sc, tmp_path):
    with pytest.raises(ScenarioError, match=r"add to 0\.9, not 1 \(a 0\.5 \+ b 0\.4\)"):
        read_futures(write(tmp_path, "[a]\nprobability = 0.5\n[b]\nprobability = 0.4\n"), sc)


def test_an_override_selector_that_matches_no_row_names_its_future(sc, tmp_path):
    text = '[a]\nprobability = 1\n"forecast.index[sector=spaceships] *=" = 2\n'
    with pytest.raises(ScenarioError, match=r"key a: forecast\.index"):
        read_futures(write(tmp_path, text), sc)


def test_sampling_draws_the_same_futures_for_the_same_seed(sc):
    f = read_futures(UK_2035 / "futures.toml", sc)
    one, again, other = (sample_futures(f, 6, s, sc) for s in (3, 3, 4))
    assert [x.overrides for x in one.futures] == [x.overrides for x in again.futures]
    assert [x.overrides for x in one.futures] != [x.overrides for x in other.futures]
    assert all(x.probability == pytest.approx(1 / 6) for x in one.futures)
    assert sum(x.reference for x in one.futures) == 1
    for x in one.futures:  # every draw inside its range
        for key, dist in f.sampling.items():
            v = x.overrides[key]
            if "uniform" in dist or "triangular" in dist:
                lo, hi = (dist.get("uniform") or dist["triangular"])[::len(
                    dist.get("uniform") or dist["triangular"]) - 1]
                assert lo <= v <= hi
            else:
                assert v in dist["choice"]


def test_a_bad_sampling_table_is_refused(sc, tmp_path):
    text = """
[a]
probability = 1
[sampling]
"supply.tonnes[*] *=" = { uniform = [2, 1] }
"forecast.index[*] *=" = { normal = [1, 0.1] }
"strategy.export_ban_from_year" = { choice = [2029, 2031], p = [0.5, 0.6] }
"""
    with pytest.raises(ScenarioError) as err:
        read_futures(write(tmp_path, text), sc)
    text = str(err.value)
    assert "uniform needs numbers in increasing order" in text
    assert "must be one of" in text
    assert "one probability per choice" in text
