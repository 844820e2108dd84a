"""The constraint families, declared once: everything that iterates over families reads this.

One :class:`Family` record per family of docs/model.md says what the family
adds to the model (``add``), which numbers it reads (``numbers``: the named
tables of ``feedstock.models.numbers``), the stable names of the Pyomo rows it
makes (``rows``), which of them the elastic diagnosis copy may break and at
what weight (``elastic``), whose marginal values are reported (``duals``) and
under which labels a plan is said to sit on the rule (``binding``,
``feedstock.optimizer.results.binding``). The model build, the numbers and
structure signature, the elastic copy, the diagnosis and the dual report all
iterate :data:`FAMILIES`, in this order (the order rows and columns reach HiGHS).

Adding a family is one module (``numbers`` and ``add_*``, each rule's
docstring stating its maths) and one record here; docs/architecture.md has
the checklist.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import pyomo.environ as pyo

from feedstock.models import slack
from feedstock.models.balance import add_balance, balance_numbers
from feedstock.models.blend import add_blend, blend_numbers
from feedstock.models.build_choice import add_build_choice, build_choice_numbers
from feedstock.models.custody import add_custody
from feedstock.models.cuts import add_trip_payload_cuts, cuts_numbers
from feedstock.models.element_leakage import add_element_leakage_cap, element_leakage_numbers
from feedstock.models.hubs import add_hub_capacity, hubs_numbers
from feedstock.models.leakage import add_leakage_cap, leakage_numbers
from feedstock.models.minimum_run import add_minimum_run, minimum_run_numbers
from feedstock.models.offtake import add_offtake, offtake_numbers
from feedstock.models.outlets import add_outlet_limits, outlets_numbers
from feedstock.models.plant_capacity import add_plant_capacity, plant_capacity_numbers
from feedstock.models.sets import ModelData
from feedstock.models.storage import add_storage, storage_numbers
from feedstock.models.trips import add_trips, trips_numbers

Numbers = dict[str, dict]
Adder = Callable[[pyo.ConcreteModel, ModelData, Mapping], None]


@dataclass(frozen=True)
class Family:
    """One constraint family: what it adds, reads, may break, reports and is called."""

    name: str
    """As in docs/model.md (and the module's docstring)."""
    add: Adder
    """Adds the family's rows to a model from the index sets and its numbers."""
    numbers: Callable[[ModelData], Numbers] | None
    """Its named tables of numbers (None: rows with no numbers)."""
    rows: tuple[str, ...]
    """The Pyomo Constraint components it adds: stable names."""
    elastic: Mapping[str, slack.Weight] = field(default_factory=dict)
    """Rows the diagnosis may break, and the weight of one unit of slack (t of material)."""
    duals: tuple[str, ...] = ()
    """Rows whose fixed-integer LP duals are reported as marginal values."""
    binding: tuple[str, ...] = ()
    """Labels under which ``binding.csv`` says a plan sits on this rule."""
    cut: bool = False
    """Valid inequalities (same optimum, tighter LP): left out with ``cuts=False``."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "elastic", MappingProxyType(dict(self.elastic)))
        stray = (set(self.elastic) | set(self.duals)) - set(self.rows)
        if stray:
            raise ValueError(f"family {self.name}: {sorted(stray)} are not its rows")


FAMILIES: tuple[Family, ...] = (
    Family("balance", add_balance, balance_numbers, rows=("balance",)),
    Family("storage", add_storage, storage_numbers, rows=("storage_limit",),
           elastic={"storage_limit": slack.consequence}, binding=("storage_limit",)),
    Family("trips", add_trips, trips_numbers,
           rows=("trip_payload", "lane_slots", "lane_contract"),
           elastic={"lane_slots": slack.payload}, duals=("trip_payload", "lane_slots"),
           binding=("trip_payload", "lane_slots")),
    Family("hub_capacity", add_hub_capacity, hubs_numbers, rows=("hub_capacity",),
           elastic={"hub_capacity": slack.per_tonne}, binding=("hub_capacity",)),
    Family("plant_capacity", add_plant_capacity, plant_capacity_numbers,
           rows=("plant_capacity",), elastic={"plant_capacity": slack.per_tonne},
           duals=("plant_capacity",), binding=("plant_capacity",)),
    Family("build_choice", add_build_choice, build_choice_numbers, rows=("build_choice",)),
    Family("minimum_run", add_minimum_run, minimum_run_numbers,
           rows=("min_run_lower", "min_run_upper"),
           elastic={"min_run_lower": slack.per_tonne}, binding=("min_run",)),
    Family("feed_blend", add_blend, blend_numbers, rows=("feed_blend_min", "feed_blend_max"),
           elastic={"feed_blend_max": slack.blend, "feed_blend_min": slack.blend},
           binding=("feed_blend",)),
    Family("leakage_cap", add_leakage_cap, leakage_numbers, rows=("leakage_cap",),
           elastic={"leakage_cap": slack.per_tonne}, binding=("leakage_cap",)),
    Family("element_leakage_cap", add_element_leakage_cap, element_leakage_numbers,
           rows=("element_leakage_cap",), elastic={"element_leakage_cap": slack.per_kg},
           binding=("element_leakage_cap",)),
    Family("offtake", add_offtake, offtake_numbers, rows=("offtake",),
           elastic={"offtake": slack.output}, binding=("offtake",)),
    Family("outlet_limits", add_outlet_limits, outlets_numbers, rows=("outlet_limit",),
           elastic={"outlet_limit": slack.per_tonne}, binding=("outlet_limit",)),
    Family("custody", add_custody, None, rows=("custody",),
           elastic={"custody": slack.custody}),
    Family("cuts", add_trip_payload_cuts, cuts_numbers,
           rows=("trip_payload_cut", "trip_feedstock_cut"), cut=True),
)


def families(*, cuts: bool = True) -> tuple[Family, ...]:
    """The families a model is built from (without the valid inequalities if not ``cuts``)."""
    return tuple(f for f in FAMILIES if cuts or not f.cut)


def elastic_rows() -> dict[str, slack.Weight]:
    """Every row the diagnosis may break, with its weight, in registry order."""
    return {row: weight for f in FAMILIES for row, weight in f.elastic.items()}


def dual_rows() -> tuple[str, ...]:
    """Every row whose marginal value is reported, in registry order."""
    return tuple(row for f in FAMILIES for row in f.duals)


def binding_labels() -> tuple[str, ...]:
    """Every binding-rule label, in registry order."""
    return tuple(label for f in FAMILIES for label in f.binding)
