"""The planning pipeline, one sub-package per stage (docs/architecture.md).

From the bottom up: ``base`` (errors, findings, units, ISO weeks) ->
``scenario`` (files -> validated, frozen Scenario) -> ``network`` (arcs) ->
``feedstock.models`` (index sets, the constraint families, the Pyomo build) ->
``checks`` (pre-solve checks, numerics) -> ``results`` (tables, KPIs, binding
rules) -> ``solve`` (the one pipeline, HiGHS) and ``outputs`` (files, maps,
report) -> ``studies`` and ``weekly``. ``checker`` re-checks a plan on its own
(pandas only). A stage imports only stages below it (import-linter, pyproject.toml).
"""
