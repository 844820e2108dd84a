"""The bundled scenarios, shipped inside the package (``feedstock.data``).

``uk-2026`` is the weekly sample every command plans when given no scenario.
A source checkout (``pip install -e .``) and an installed wheel read the same
files: this folder is mapped to ``feedstock.data`` in both.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

SAMPLE_NAME = "uk-2026"


def sample_scenario(name: str = SAMPLE_NAME) -> Path:
    """The folder of a bundled scenario (default: the ``uk-2026`` sample)."""
    return Path(str(resources.files(__name__) / name))
