"""The Pyomo formulation of docs/model.md: one module per constraint family.

``build_model`` assembles variables (``variables``), the ten constraint families
(``balance``, ``storage``, ``trips``, ``hubs``, ``plant_capacity``, ``minimum_run``,
``blend``, ``leakage``, ``offtake``, ``outlets``) and the objective (``objective``).
"""

from feedstock.models.build import BuiltModel, build_model

__all__ = ["BuiltModel", "build_model"]
