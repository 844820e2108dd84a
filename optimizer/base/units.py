"""Money as planners read it: one formatter for the CLI, the pictures and the progress line."""

from __future__ import annotations


def gbp(value: float, minus: str = "-") -> str:
    """Whole pounds with thousands separators, the sign before the £: ``-£1,234``.

    ``minus="−"`` (U+2212) for typeset pages (report.html, map titles).
    """
    return f"{minus if value < 0 else ''}£{abs(value):,.0f}"
