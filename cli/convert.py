"""``feedstock convert``: a scenario folder to one .xlsx workbook, or back.

The library does the work (``feedstock.optimizer.scenario.conversion.convert``): this
module only maps arguments and output, and the shared ``common_options`` maps errors to exit
codes (2: invalid source, or a target it refuses to replace).
"""

from __future__ import annotations

from pathlib import Path

import click

from feedstock.cli.options import common_options


@click.command()
@click.argument("source", type=click.Path(exists=True, path_type=Path))
@click.argument("target", type=click.Path(path_type=Path))
@click.option("--force", is_flag=True,
              help="Replace an existing TARGET workbook, or the scenario files of a non-empty "
                   "TARGET folder (other files there are left alone).")
@common_options
def convert(source: Path, target: Path, force: bool) -> None:
    """Write scenario SOURCE as TARGET: a folder as one .xlsx workbook, or a workbook as a folder.

    The direction follows the suffixes (TARGET ending .xlsx: folder -> workbook;
    SOURCE ending .xlsx: workbook -> folder). SOURCE is validated first (every
    problem listed, exit 2), and TARGET is read back and checked to be the same
    scenario. Folder files that are not scenario tables (SOURCES.md, scripts,
    stock-takes/, overrides/) are not put in the workbook; the output lists them.
    """
    from feedstock.optimizer.scenario import convert as run

    click.echo(run(source, target, force=force).text())

