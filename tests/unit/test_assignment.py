"""Tests for examiner assignment: conflicts of interest, balance, clusters and day routes."""

from __future__ import annotations

import csv
import math
import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fieldcheck.assignment.plan import Examiner, Route, TaskSite, conflicts, day_routes, plan_assignment
from fieldcheck.places.geo import geodesic_distance_m, to_wgs84

PLACES_CSV = Path(__file__).parents[2] / "fieldcheck" / "demo" / "data" / "places-baishui.csv"
RELATED = {"county-a": {"town-a1"}}


def site(key: str, unit: str, lat: float | None = None, lon: float | None = None) -> TaskSite:
    return TaskSite(key, unit, lat, lon)


def loads(plan_assignments: dict[str, str], examiners: list[Examiner]) -> dict[str, int]:
    counts = {e.key: 0 for e in examiners}
    for holder in plan_assignments.values():
        counts[holder] += 1
    return counts


def check_route_lengths(routes: list[Route], sites: dict[str, TaskSite], max_km: float) -> None:
    """Every leg is the geodesic distance between consecutive stops; no route exceeds max_km."""
    for route in routes:
        assert len(route.legs_km) == len(route.stops)
        assert route.total_km == pytest.approx(math.fsum(route.legs_km))
        assert route.total_km <= max_km
        assert route.legs_km[0] == 0.0
        for before, after, leg in zip(route.stops, route.stops[1:], route.legs_km[1:]):
            a, b = sites[before].position, sites[after].position
            if a is None or b is None:
                assert leg == 0.0
            else:
                assert leg == pytest.approx(geodesic_distance_m(a, b) / 1000)


# ------------------------------------------------------------ conflicts


def test_conflict_own_unit() -> None:
    assert conflicts(Examiner("e", "town-a1"), site("t", "town-a1"), {})


def test_conflict_related_in_both_directions() -> None:
    # RELATED lists the pair only under county-a; it counts either way.
    assert conflicts(Examiner("e", "county-a"), site("t", "town-a1"), RELATED)
    assert conflicts(Examiner("e", "town-a1"), site("t", "county-a"), RELATED)


def test_no_conflict_for_unrelated_unit_or_examiner_without_unit() -> None:
    assert not conflicts(Examiner("e", "town-b"), site("t", "town-a1"), RELATED)
    assert not conflicts(Examiner("e", None), site("t", "county-a"), RELATED)


# ------------------------------------------------------------ plan


def test_plan_avoids_conflicts_and_reports_unassignable() -> None:
    examiners = [Examiner("e1", "county-a"), Examiner("e2", "town-a1")]
    tasks = [site("t1", "town-a1"), site("t2", "county-a"), site("t3", "town-b")]
    plan = plan_assignment(tasks, examiners, RELATED)
    assert plan.assignments == {"t3": "e1"}
    assert [key for key, _ in plan.unassignable] == ["t1", "t2"]
    assert "town-a1" in plan.unassignable[0][1]
    assert plan_assignment(tasks, [], RELATED).unassignable[0] == ("t1", "no examiners")


def test_plan_balances_within_one() -> None:
    examiners = [Examiner(f"e{i}", None) for i in range(4)]
    tasks = [site(f"t{i:02}", "u", 34.9, 113.6 + i * 0.001) for i in range(10)]
    plan = plan_assignment(tasks, examiners, {})
    assert sorted(loads(plan.assignments, examiners).values()) == [2, 2, 3, 3]


def test_plan_gives_whole_clusters_to_examiners() -> None:
    examiners = [Examiner("e1", None), Examiner("e2", None)]
    west = [site(f"w{i}", "u", 34.95, 113.54 + i * 0.002) for i in range(3)]
    east = [site(f"x{i}", "u", 34.86, 113.68 + i * 0.002) for i in range(3)]
    plan = plan_assignment(west + east, examiners, {}, max_route_km=5)
    assert {plan.assignments[t.task_key] for t in west} != {plan.assignments[t.task_key] for t in east}
    assert len({plan.assignments[t.task_key] for t in west}) == 1
    assert all(len(routes) == 1 for routes in plan.routes.values())


def test_plan_keeps_current_assignments_and_counts_them() -> None:
    examiners = [Examiner("e1", None), Examiner("e2", "u")]
    tasks = [site(f"t{i}", "v") for i in range(4)] + [site("own", "u")]
    plan = plan_assignment(tasks, examiners, {}, current={"t0": "e2", "t1": "e2", "own": "e2"})
    assert plan.assignments["t0"] == plan.assignments["t1"] == "e2"
    assert plan.assignments["own"] == "e2"
    assert plan.kept_conflicts == ["own"]
    assert plan.assignments["t2"] == plan.assignments["t3"] == "e1"
    with pytest.raises(ValueError, match="unknown examiner"):
        plan_assignment(tasks, examiners, {}, current={"t0": "nobody"})


def test_plan_rejects_duplicates_and_bad_radius() -> None:
    with pytest.raises(ValueError, match="duplicated task"):
        plan_assignment([site("t", "u"), site("t", "v")], [Examiner("e", None)], {})
    with pytest.raises(ValueError, match="duplicated examiner"):
        plan_assignment([], [Examiner("e", None), Examiner("e", "u")], {})
    with pytest.raises(ValueError, match="max_route_km"):
        plan_assignment([], [], {}, max_route_km=0)


UNITS = ["a", "b", "c", "d"]
coords = st.one_of(
    st.none(),
    st.tuples(st.floats(34.7, 35.1), st.floats(113.4, 113.8)),
)


@st.composite
def worlds(draw: st.DrawFn) -> tuple[list[TaskSite], list[Examiner], dict[str, set[str]], float]:
    n_tasks = draw(st.integers(0, 14))
    tasks = []
    for i in range(n_tasks):
        where = draw(coords)
        tasks.append(TaskSite(f"t{i}", draw(st.sampled_from(UNITS)), *(where or (None, None))))
    examiners = [
        Examiner(f"e{i}", draw(st.one_of(st.none(), st.sampled_from(UNITS)))) for i in range(draw(st.integers(0, 5)))
    ]
    pairs = draw(st.lists(st.tuples(st.sampled_from(UNITS), st.sampled_from(UNITS)), max_size=3))
    related: dict[str, set[str]] = {}
    for a, b in pairs:
        related.setdefault(a, set()).add(b)  # one direction only: conflicts() must treat it as undirected
    return tasks, examiners, related, draw(st.sampled_from([2.0, 10.0, 30.0]))


@settings(max_examples=150, deadline=None)
@given(world=worlds(), shuffle_seed=st.integers())
def test_plan_properties(
    world: tuple[list[TaskSite], list[Examiner], dict[str, set[str]], float], shuffle_seed: int
) -> None:
    tasks, examiners, related, radius = world
    plan = plan_assignment(tasks, examiners, related, max_route_km=radius)
    by_key = {e.key: e for e in examiners}
    sites = {t.task_key: t for t in tasks}
    # Never a conflict; every task exactly once, assigned or unassignable.
    for key, holder in plan.assignments.items():
        assert not conflicts(by_key[holder], sites[key], related)
    unassignable = [key for key, _ in plan.unassignable]
    assert sorted(list(plan.assignments) + unassignable) == sorted(sites)
    for key in unassignable:
        assert all(conflicts(e, sites[key], related) for e in examiners)
    # Without any conflict, loads differ by at most one.
    if not any(conflicts(e, t, related) for e in examiners for t in tasks):
        counts = loads(plan.assignments, examiners).values()
        assert not counts or max(counts) - min(counts) <= 1
    # Routes cover each examiner's tasks exactly, within the radius.
    for key, routes in plan.routes.items():
        assert sorted(s for r in routes for s in r.stops) == sorted(
            t for t, holder in plan.assignments.items() if holder == key
        )
        check_route_lengths(routes, sites, radius)
    # Input order changes nothing.
    rng = random.Random(shuffle_seed)
    tasks2, examiners2 = tasks[:], examiners[:]
    rng.shuffle(tasks2)
    rng.shuffle(examiners2)
    related2 = dict(sorted(related.items(), reverse=True))
    assert plan_assignment(tasks2, examiners2, related2, max_route_km=radius) == plan


# ------------------------------------------------------------ day routes


def test_day_routes_nearest_neighbour_from_start() -> None:
    sites = [site("a", "u", 34.90, 113.60), site("b", "u", 34.90, 113.62), site("c", "u", 34.90, 113.61)]
    routes = day_routes(sites, 30, start=(34.90, 113.63))
    assert [r.stops for r in routes] == [["b", "c", "a"]]
    # Without a start, from the first site by key.
    assert day_routes(sites, 30)[0].stops == ["a", "c", "b"]


def test_far_site_gets_a_route_of_its_own() -> None:
    # b is ~18 km from a and c: longer than the 5 km radius, so it rides alone
    # (a route is measured from its first stop, so it still stays within 5 km).
    sites = [site("a", "u", 34.90, 113.60), site("b", "u", 35.06, 113.60), site("c", "u", 34.90, 113.61)]
    routes = day_routes(sites, 5)
    assert [r.stops for r in routes] == [["a", "c"], ["b"]]
    assert routes[1] == Route(["b"], [0.0], 0.0)
    check_route_lengths(routes, {s.task_key: s for s in sites}, 5)


def test_placeless_sites_form_a_final_route() -> None:
    routes = day_routes([site("z", "u"), site("a", "u", 34.9, 113.6), site("m", "u", 34.9, None)], 30)
    assert routes == [Route(["a"], [0.0], 0.0), Route(["m", "z"], [0.0, 0.0], 0.0)]
    assert day_routes([], 30) == []


@settings(max_examples=100, deadline=None)
@given(
    points=st.lists(st.tuples(st.floats(34.7, 35.1), st.floats(113.4, 113.8)), max_size=12),
    radius=st.sampled_from([1.0, 5.0, 15.0]),
    shuffle_seed=st.integers(),
)
def test_day_routes_stay_within_radius(points: list[tuple[float, float]], radius: float, shuffle_seed: int) -> None:
    sites = [site(f"s{i}", "u", lat, lon) for i, (lat, lon) in enumerate(points)]
    routes = day_routes(sites, radius)
    assert sorted(s for r in routes for s in r.stops) == sorted(s.task_key for s in sites)
    check_route_lengths(routes, {s.task_key: s for s in sites}, radius)
    random.Random(shuffle_seed).shuffle(sites)
    assert day_routes(sites, radius) == routes


# ------------------------------------------------------------ a real-looking county


def baishui_sites() -> list[TaskSite]:
    """One task per village, community and school of the demo county, units = their towns."""
    with PLACES_CSV.open(encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if r["kind"] in {"village", "community", "school"}]
    sites = []
    for n, row in enumerate(rows, start=1):
        lat, lon = to_wgs84(float(row["lat"]), float(row["lon"]), row["crs"])
        sites.append(TaskSite(f"2025/baishui/{n:02}", row["parent"], lat, lon))
    return sites


def test_baishui_gcj02_places_are_converted() -> None:
    jinhua = next(s for s in baishui_sites() if s.task_key == "2025/baishui/07")  # 锦华社区, gcj02
    assert jinhua.position is not None
    assert 100 < geodesic_distance_m(jinhua.position, (34.8976, 113.6163)) < 800


def test_baishui_plan() -> None:
    sites = baishui_sites()
    by_key = {s.task_key: s for s in sites}
    examiners = [Examiner("county", "白水县"), Examiner("longquan", "龙泉镇"), Examiner("qinghe", "清河镇")]
    related = {"白水县": {"城南街道"}}
    plan = plan_assignment(list(reversed(sites)), examiners, related, max_route_km=5)
    assert plan.unassignable == []
    units = {key: {by_key[t].unit for t, h in plan.assignments.items() if h == key} for key in plan.routes}
    # Each town's places stay together, never with an examiner from that town or a related one.
    assert units == {"county": {"清河镇"}, "longquan": {"城南街道"}, "qinghe": {"龙泉镇", "桃园乡"}}
    assert sorted(loads(plan.assignments, examiners).values()) == [3, 3, 4]
    # 杏花村 → 清河镇中心小学 (1.8 km) → 清河镇新民村 (1.1 km).
    (route,) = plan.routes["county"]
    assert route.stops == ["2025/baishui/01", "2025/baishui/10", "2025/baishui/02"]
    assert [round(x, 1) for x in route.legs_km] == [0.0, 1.8, 1.1]
    # 石桥村 is 12.5 km from 东湾村: a second day.
    assert [r.stops for r in plan.routes["qinghe"]] == [
        ["2025/baishui/03", "2025/baishui/04"],
        ["2025/baishui/05"],
    ]
    for routes in plan.routes.values():
        check_route_lengths(routes, by_key, 5)
