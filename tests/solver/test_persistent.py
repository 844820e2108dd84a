"""Persistent re-solve: a variant that changes only numbers re-uses the built model.

Every re-solved plan must equal the cold solve of the same variant (same
optimum, same cost lines) and pass the independent checker; a variant whose
structure differs is built anew, and gives the cold optimum too.
"""

from __future__ import annotations

import pytest

from feedstock.optimizer.checker import check_plan
from feedstock.optimizer.solve.pipeline import Resolver, solve
from tests.builders import build
from tests.plans import exact
from tests.unit.test_checker import scenario

# numbers only: each must re-use the model (one per family of numbers)
NUMBERS = [
    {"plants.capacity_t_per_week[plant]": 4},                      # plant_capacity
    {"expansions.extra_capacity_t_per_week[*]": 6,
     "expansions.fixed_cost_gbp[*]": 5},                           # expansions
    {"plants.min_weekly_t[plant]": 3},                             # min_run
    {"plants.product_value_gbp_per_t[plant]": 400},                # processing_net
    {"feedstocks.reo_share[mag]": 0.5},                            # yields (offtake, value)
    {"plant_specs.max[site_id=plant]": 0.3},                       # feed_blend_max
    {"hubs.capacity_t_per_week[hub]": 5,
     "hubs.handling_gbp_per_t[hub]": 9},                           # hub_capacity, handling
    {"hubs.fixed_cost_gbp[hub]": 1000},                            # hub fixed cost
    {"sites.storage_t[src]": 3, "sites.holding_gbp_per_t_week[src]": 4},  # storage, holding
    {"outlets.price_gbp_per_t[*]": 400},                           # export revenue
    {"outlets.max_t_per_week[site_id=out,feedstock_id=*]": 1},     # outlet_limit
    {"policy.leakage_penalty_gbp_per_t": 0, "policy.sectors.vehicle."
     "leakage_penalty_gbp_per_t": 0},                              # leakage penalty
    {"policy.max_leakage_t": 0.5},                                 # leakage_cap
    {"offtake.min_t[*]": 1.5},                                     # offtake
    {"lanes.fixed_cost_gbp[destination=out]": 5},                  # lane contract
    {"lanes.max_trips_per_week[origin=sec]": 2},                   # lane_slots
    {"modes.trip_fixed_gbp[truck]": 20, "modes.cost_gbp_per_km[rail]": 3},  # transport
    {"policy.carbon_price_gbp_per_t_co2e": 2000},                  # carbon
    {"policy.terminal_stock_penalty_gbp_per_t": 200},              # terminal stock
    {"supply.tonnes[*] *=": 1.05, "inventory.tonnes[*]": 1.5},     # supply, opening stock
    {},                                                            # back to the base
]
# structure: each must build the model again
STRUCTURE = [
    {"supply.tonnes[feedstock_id=rust]": 0},  # no rust anywhere: its variables go
    {"weeks": 3},                             # another horizon
    {"supply.tonnes[*] *=": 0.5},  # 6 t at src: less than a truck, the arc gets a cut row
    # opening stock 2 t: one feedstock's reach on an arc no longer below the arc's, so
    # its trip_feedstock_cut row goes (feedstock.models.cuts)
    {"supply.tonnes[*] *=": 1.1, "inventory.tonnes[*]": 2},
]


@pytest.fixture(scope="module")
def resolver():
    rs = Resolver()
    rs.solve(scenario())  # the base builds the model every variant re-uses
    return rs


def _same_plan_as_cold(sc, r):
    cold = solve(sc)
    assert r.objective_gbp == exact(cold.objective_gbp)
    for line, gbp in cold.cost_lines_gbp.items():
        assert r.cost_lines_gbp[line] == exact(gbp), line
    assert check_plan(sc, r) == []


@pytest.mark.parametrize("overrides", NUMBERS, ids=lambda o: ",".join(o) or "base")
def test_a_numbers_only_variant_reuses_the_model_and_gives_the_cold_optimum(resolver,
                                                                             overrides):
    sc = scenario().with_overrides(overrides)
    reused = resolver.reused
    r = resolver.solve(sc)
    assert r.solver["model"] == "reused" and resolver.reused == reused + 1
    assert r.status == "optimal"
    _same_plan_as_cold(sc, r)


def _highs_lp(solver) -> dict:
    """The LP HiGHS holds: bounds, costs, integrality, and the matrix as a set of entries."""
    import numpy as np

    lp = solver._solver_model.getLp()
    a = lp.a_matrix_
    start, index, value = list(a.start_), list(a.index_), list(a.value_)
    colwise = str(a.format_).endswith("kColwise")
    entries = sorted((j, index[k], value[k]) if colwise else (index[k], j, value[k])
                     for j in range(len(start) - 1) for k in range(start[j], start[j + 1]))
    out = {f: np.asarray(getattr(lp, f)).tolist() for f in (
        "col_cost_", "col_lower_", "col_upper_", "row_lower_", "row_upper_")}
    return {**out, "integrality": [int(v) for v in lp.integrality_],
            "positions": [e[:2] for e in entries], "values": [e[2] for e in entries],
            "offset": lp.offset_}


def _loaded(m):
    from pyomo.contrib.solver.common.factory import SolverFactory

    solver = SolverFactory("highs", treat_fixed_vars_as_params=False)
    solver.set_instance(m)
    return solver


@pytest.mark.parametrize("push", ["pyomo_update", "changed_only"])
def test_the_updated_highs_instance_holds_the_model_a_cold_build_would_hand_over(push):
    """After re-numbering, HiGHS holds exactly the LP of a cold build of the variant.

    Both ways of sending the changes: Pyomo's full ``update()`` and the
    runner's ``push`` of only what depends on the changed Params.
    """
    from feedstock.models.build import build_model, update_model
    from feedstock.models.sets import build_sets
    from feedstock.optimizer.network import build_network
    from feedstock.optimizer.solve.runners import HighsRunner, SolverOptions

    base = scenario()
    net = build_network(base)
    built = build_model(base, net, data=build_sets(base, net), mutable=True)
    runner = HighsRunner(SolverOptions("highs", 60, 1e-6, 1, 0))
    runner.load(built.model)
    persistent = runner.solver
    for overrides in NUMBERS:
        sc = base.with_overrides(overrides)
        net = build_network(sc)
        data = build_sets(sc, net)
        updated = update_model(built, sc, net, data)
        assert updated is not None, overrides
        if push == "changed_only":
            runner.push(updated.model, updated.changed)
        else:
            persistent.update()
        cold = _loaded(build_model(sc, net, data=data).model)
        got, want = _highs_lp(persistent), _highs_lp(cold)
        for key in want:
            assert got[key] == (want[key] if key == "positions" else pytest.approx(want[key])), (
                overrides, key)


@pytest.mark.parametrize("overrides", STRUCTURE, ids=lambda o: ",".join(o))
def test_a_structural_change_builds_the_model_again(overrides):
    rs = Resolver()
    rs.solve(scenario())
    sc = scenario().with_overrides(overrides)
    r = rs.solve(sc)
    assert r.solver["model"] == "built" and rs.built == 2 and rs.reused == 0
    _same_plan_as_cold(sc, r)


def test_re_solves_reach_the_optima_worked_by_hand():
    """Tiny: 5 t at src, one truck (£100 a trip, 10 t), the plant earns 1000 x 0.3 = £300/t.

    base: one trip, 5 t fed: 100 - 5 x 300 = -1400.
    capacity 3 t/week: one trip, 3 t fed, 2 t stay (no penalty): 100 - 900 = -800.
    product value 2000 (capacity 100 again): 100 - 5 x 600 = -2900.
    trip £1,600: not worth it (5 x 300 = 1500 < 1600): nothing moves, 0.
    """
    base = build()
    rs = Resolver()
    plans = [rs.solve(base),
             rs.solve(base.with_overrides({"plants.capacity_t_per_week[plant]": 3})),
             rs.solve(base.with_overrides({"plants.product_value_gbp_per_t[plant]": 2000})),
             rs.solve(base.with_overrides({"modes.trip_fixed_gbp[truck]": 1600}))]
    assert [r.objective_gbp for r in plans] == [exact(-1400), exact(-800), exact(-2900),
                                                exact(0)]
    assert [r.solver["model"] for r in plans] == ["built", "reused", "reused", "reused"]
    assert [r.plant_feed["feed_t"].sum() for r in plans] == [exact(5), exact(3), exact(5),
                                                             exact(0)]


def test_marginal_values_after_a_re_solve_equal_the_cold_ones():
    base = build()
    rs = Resolver()
    rs.solve(base)
    sc = base.with_overrides({"plants.capacity_t_per_week[plant]": 3})
    warm, cold = rs.solve(sc), solve(sc)
    assert warm.solver["model"] == "reused"
    w = warm.marginal_values.set_index(["constraint", "id", "week"])["marginal_value_gbp_per_t"]
    c = cold.marginal_values.set_index(["constraint", "id", "week"])["marginal_value_gbp_per_t"]
    assert w.to_dict() == pytest.approx(c.to_dict())
    # capacity binds: one more t/week of plant earns the £300 margin
    assert w.abs().max() == exact(300)


def test_an_infeasible_variant_in_between_does_not_spoil_the_next():
    """3 t of oxide over the horizon passes the pre-checks; the solver proves it impossible."""
    from feedstock.optimizer.base.errors import InfeasibleError

    rs = Resolver()
    rs.solve(scenario())
    with pytest.raises(InfeasibleError):
        rs.solve(scenario().with_overrides({"offtake.min_t[*]": 3.0}), diagnose=False)
    assert rs.reused == 1  # the solver, not a pre-check, said no
    sc = scenario().with_overrides({"plants.capacity_t_per_week[plant]": 4})
    r = rs.solve(sc)
    assert r.solver["model"] == "reused"
    _same_plan_as_cold(sc, r)


def test_kept_models_serve_a_sweep_that_alternates_between_structures():
    """x1 and x0.5 supply differ in structure (the cut rows); each keeps its own model."""
    rs = Resolver(keep=2)
    half = {"supply.tonnes[*] *=": 0.5}
    seq = [{}, half, {"plants.capacity_t_per_week[plant]": 4},
           {**half, "plants.capacity_t_per_week[plant]": 4}, {"policy.max_leakage_t": 1}]
    models = []
    for overrides in seq:
        sc = scenario().with_overrides(overrides)
        r = rs.solve(sc)
        models.append(r.solver["model"])
        _same_plan_as_cold(sc, r)
    assert models == ["built", "built", "reused", "reused", "reused"]
    assert (rs.built, rs.reused) == (2, 3)
    one = Resolver(keep=1)  # keeping one model, each switch of structure builds again
    assert [one.solve(scenario().with_overrides(o)).solver["model"] for o in seq[:4]] == [
        "built", "built", "built", "built"]


def test_a_renumbering_never_pushed_is_sent_with_the_next():
    """Two re-numberings, one push: HiGHS gets both (the model's pending set)."""
    from feedstock.models.build import build_model, update_model
    from feedstock.models.sets import build_sets
    from feedstock.optimizer.network import build_network
    from feedstock.optimizer.solve.runners import HighsRunner, SolverOptions

    base = scenario()
    net = build_network(base)
    built = build_model(base, net, data=build_sets(base, net), mutable=True)
    runner = HighsRunner(SolverOptions("highs", 60, 1e-6, 1, 0))
    runner.load(built.model)
    first = base.with_overrides({"plants.capacity_t_per_week[plant]": 4})
    second = first.with_overrides({"outlets.price_gbp_per_t[*]": 400})
    for sc in (first, second):  # the first is written into the model, never pushed
        net = build_network(sc)
        data = build_sets(sc, net)
        updated = update_model(built, sc, net, data)
        assert updated is not None
    assert not any(p.name.startswith("p_plant") for p in updated.changed)  # only prices
    runner.push(updated.model, updated.changed)
    cold = _loaded(build_model(second, net, data=data).model)
    got, want = _highs_lp(runner.solver), _highs_lp(cold)
    for key in want:
        assert got[key] == (want[key] if key == "positions" else pytest.approx(want[key])), key
