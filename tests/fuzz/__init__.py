"""Hostile-input fuzzing of scenario loading (issue 3 item 4).

``mutations`` breaks a copy of the bundled sample in one named way per function
(``editing`` holds the registry and the CSV/TOML helpers they share);
``check`` runs ``feedstock validate`` on it and judges the outcome; ``run`` is the
standalone runner (``python -m tests.fuzz.run --iterations 2000``). The hypothesis
test in ``tests/unit/test_fuzz.py`` uses the same three pieces.
"""
