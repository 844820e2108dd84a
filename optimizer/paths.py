"""Where the bundled sample scenario lives (source checkout or installed data files)."""

from __future__ import annotations

import sys
from pathlib import Path

SAMPLE_NAME = "uk-2026"


def sample_scenario() -> Path:
    """The bundled ``data/uk-2026`` folder.

    In a source checkout (``pip install -e .``) it sits next to the package;
    a wheel install puts it under ``<prefix>/share/feedstock/``.
    """
    candidates = [Path(__file__).resolve().parent.parent / "data" / SAMPLE_NAME,
                  Path(sys.prefix) / "share" / "feedstock" / SAMPLE_NAME]
    for path in candidates:
        if (path / "scenario.toml").is_file():
            return path
    return candidates[0]
