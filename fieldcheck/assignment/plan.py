"""Examiner assignment: conflicts of interest, balanced workload, day routes.

Pure functions over plain values. Tasks and examiners are sorted by key
before use and ties are broken by key, so the same input in any order gives
the same plan. Planning (nearest neighbours, clusters) uses the haversine distance on a sphere of
the mean Earth radius: cheap, and within 0.5 % of the ellipsoid. The distances shown, the legs of
a route and the radius each route is kept within, are geodesic (WGS-84) through ``places.geo``,
one per stop.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from fieldcheck.cycles.defaults import MAX_ROUTE_KM
from fieldcheck.places.geo import geodesic_distance_m

Point = tuple[float, float]


def _point(lat: float | None, lon: float | None) -> Point | None:
    return None if lat is None or lon is None else (lat, lon)


@dataclass(frozen=True)
class TaskSite:
    """A sampled claim to visit: its reporting unit and WGS-84 place (None without a place)."""

    task_key: str
    unit: str
    lat: float | None
    lon: float | None

    @property
    def position(self) -> Point | None:
        """(lat, lon), or None when either coordinate is missing."""
        return _point(self.lat, self.lon)


@dataclass(frozen=True)
class Examiner:
    """An examiner, their unit (None when they belong to none) and optional WGS-84 home."""

    key: str
    unit: str | None
    home_lat: float | None = None
    home_lon: float | None = None

    @property
    def home(self) -> Point | None:
        """(lat, lon) of the home base, or None."""
        return _point(self.home_lat, self.home_lon)


@dataclass(frozen=True)
class Route:
    """One day's stops in visiting order; ``legs_km[i]`` is the distance from stop i−1 to
    stop i, and ``legs_km[0]`` is 0 because a route is measured from its first stop."""

    stops: list[str]
    legs_km: list[float]
    total_km: float


@dataclass
class Plan:
    """Task → examiner, each examiner's day routes, tasks nobody may take (with the reason),
    and the tasks of ``current`` kept although they now conflict."""

    assignments: dict[str, str]
    routes: dict[str, list[Route]]
    unassignable: list[tuple[str, str]]
    kept_conflicts: list[str] = field(default_factory=list)


def conflicts(examiner: Examiner, task: TaskSite, related_units: Mapping[str, set[str]]) -> bool:
    """True when the task's unit is the examiner's own or related to it (either direction)."""
    own, unit = examiner.unit, task.unit
    if own is None:
        return False
    return unit == own or unit in related_units.get(own, ()) or own in related_units.get(unit, ())


EARTH_RADIUS_KM = 6371.0088  # the IUGG mean radius


def haversine_km(a: Point, b: Point) -> float:
    """Great-circle distance on the mean-radius sphere: for choosing, never for showing."""
    lat1, lon1, lat2, lon2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def _km(a: Point, b: Point) -> float:
    """The geodesic distance shown to people (and the radius is kept in)."""
    return geodesic_distance_m(a, b) / 1000.0


def _check_radius(max_route_km: float) -> None:
    if not (math.isfinite(max_route_km) and max_route_km > 0):
        raise ValueError("max_route_km must be a positive number")


def _unique(keys: Iterable[str], what: str) -> None:
    if repeated := sorted(key for key, n in Counter(keys).items() if n > 1):
        raise ValueError(f"duplicated {what} key: {repeated[0]!r}")


def day_routes(sites: Sequence[TaskSite], max_route_km: float, start: Point | None = None) -> list[Route]:
    """Split one examiner's sites into nearest-neighbour day routes of at most ``max_route_km``.

    Each route begins at the unvisited site nearest to ``start`` (without a
    start: the first site by key, then the site that did not fit the previous
    route) and goes on to the nearest unvisited site while the route's total
    stays within the radius. A route is measured from its first stop, so no
    route is longer than the radius: a site farther than the radius from every
    other gets a route of its own. Sites without coordinates form a final route
    whose legs are 0.
    """
    _check_radius(max_route_km)
    ordered = sorted(sites, key=lambda s: s.task_key)
    _unique((s.task_key for s in ordered), "task")
    pending = [s for s in ordered if s.position is not None]
    routes: list[Route] = []
    stops: list[str] = []
    legs: list[float] = []
    here: Point | None = None  # last stop of the open route
    anchor = start  # where a new route looks for its first stop
    while pending:
        origin = here if here is not None else anchor
        if origin is None:
            site, leg = pending[0], 0.0
        else:
            site, leg = min(
                ((s, haversine_km(origin, s.position)) for s in pending),  # type: ignore[arg-type]
                key=lambda item: (item[1], item[0].task_key),
            )
        if here is not None:
            leg = _km(here, site.position)  # type: ignore[arg-type]  # the chosen leg, measured properly
        if here is None:
            leg = 0.0
        elif math.fsum(legs) + leg > max_route_km:
            routes.append(Route(stops, legs, math.fsum(legs)))
            stops, legs = [], []
            anchor = start if start is not None else here
            here = None
            continue
        stops.append(site.task_key)
        legs.append(leg)
        here = site.position
        pending.remove(site)
    if stops:
        routes.append(Route(stops, legs, math.fsum(legs)))
    unplaced = [s.task_key for s in ordered if s.position is None]
    if unplaced:
        routes.append(Route(unplaced, [0.0] * len(unplaced), 0.0))
    return routes


def _clusters(tasks: Sequence[TaskSite], radius_km: float) -> list[list[TaskSite]]:
    """Greedy clusters: the first unclustered task by key seeds a cluster of all tasks within
    the radius of it, ordered by distance from the seed. Placeless tasks are single pieces."""
    remaining = [t for t in tasks if t.position is not None]
    pieces: list[list[TaskSite]] = []
    while remaining:
        seed = remaining[0]
        near = sorted(
            (0.0 if t is seed else haversine_km(seed.position, t.position), t.task_key, t)  # type: ignore[arg-type]
            for t in remaining
        )
        members = [t for dist, _, t in near if dist <= radius_km]
        pieces.append(members)
        taken = {t.task_key for t in members}
        remaining = [t for t in remaining if t.task_key not in taken]
    pieces.extend([t] for t in tasks if t.position is None)
    return pieces


def _fill(
    queue: list[list[TaskSite]], eligible: Mapping[str, set[str]], load: dict[str, int]
) -> tuple[dict[str, str], list[TaskSite]]:
    """Give pieces to examiners within balanced quotas; return the assignments and the leftover."""
    # Water level: the largest L with Σ max(load, L) ≤ total; `extras` examiners may reach L + 1.
    total, level = sum(load.values()) + sum(map(len, queue)), 0
    while load and sum(max(x, level + 1) for x in load.values()) <= total:
        level += 1
    extras = total - sum(max(x, level) for x in load.values())

    def capacity(key: str) -> int:
        return max(0, (level + 1 if extras > 0 else level) - load[key])

    def order(piece: list[TaskSite]) -> tuple[int, bool, int, str]:
        # Most constrained first, then placed before placeless, larger first.
        tightest = min(len(eligible[t.task_key]) for t in piece)
        return (tightest, piece[0].position is None, -len(piece), piece[0].task_key)

    assignments: dict[str, str] = {}
    leftover: list[TaskSite] = []
    while queue:
        queue.sort(key=order)
        piece = queue.pop(0)
        open_keys = sorted(k for k in load if capacity(k) > 0)
        whole = [k for k in open_keys if all(k in eligible[t.task_key] for t in piece)]
        if whole:
            chosen = min(whole, key=lambda k: (load[k], k))
            taken = piece[: capacity(chosen)]
        else:
            options = [(k, [t for t in piece if k in eligible[t.task_key]]) for k in open_keys]
            options = [(k, ok) for k, ok in options if ok]
            if not options:
                leftover.extend(piece)
                continue
            chosen, ok = min(options, key=lambda o: (-min(len(o[1]), capacity(o[0])), load[o[0]], o[0]))
            taken = ok[: capacity(chosen)]
        assignments.update((t.task_key, chosen) for t in taken)
        load[chosen] += len(taken)
        if load[chosen] == level + 1:
            extras -= 1
        rest = [t for t in piece if t.task_key not in assignments]
        if rest:
            queue.append(rest)
    return assignments, leftover


def plan_assignment(
    tasks: Sequence[TaskSite],
    examiners: Sequence[Examiner],
    related_units: Mapping[str, set[str]],
    *,
    max_route_km: float = MAX_ROUTE_KM,
    current: Mapping[str, str] | None = None,
) -> Plan:
    """Assign every task to an examiner without conflict, balancing load and keeping travel short.

    Tasks are clustered geographically; whole clusters go to the least-loaded
    examiner free of conflict with all of them, split when a quota (loads
    differing by at most one) or a conflict requires. Assignments in
    ``current`` (task → examiner, for tasks given here) are kept and counted.
    """
    _check_radius(max_route_km)
    task_list = sorted(tasks, key=lambda t: t.task_key)
    staff = sorted(examiners, key=lambda e: e.key)
    _unique((t.task_key for t in task_list), "task")
    _unique((e.key for e in staff), "examiner")
    by_key = {e.key: e for e in staff}
    load = {e.key: 0 for e in staff}
    assignments: dict[str, str] = {}
    kept_conflicts: list[str] = []
    eligible: dict[str, set[str]] = {}
    unassignable: list[tuple[str, str]] = []
    for task in task_list:
        holder = (current or {}).get(task.task_key)
        if holder is not None:
            if holder not in by_key:
                raise ValueError(f"task {task.task_key!r} is assigned to unknown examiner {holder!r}")
            assignments[task.task_key] = holder
            load[holder] += 1
            if conflicts(by_key[holder], task, related_units):
                kept_conflicts.append(task.task_key)
        elif allowed := {e.key for e in staff if not conflicts(e, task, related_units)}:
            eligible[task.task_key] = allowed
        else:
            why = f"every examiner is of unit {task.unit!r} or a unit related to it" if staff else "no examiners"
            unassignable.append((task.task_key, why))

    free = [t for t in task_list if t.task_key in eligible]
    filled, leftover = _fill(_clusters(free, max_route_km), eligible, load)
    assignments.update(filled)
    # Conflicts left these outside every quota: each goes to the least-loaded examiner allowed.
    for task in sorted(leftover, key=lambda t: t.task_key):
        chosen = min(eligible[task.task_key], key=lambda k: (load[k], k))
        assignments[task.task_key] = chosen
        load[chosen] += 1

    sites = {t.task_key: t for t in task_list}
    routes = {
        e.key: day_routes([sites[k] for k, v in assignments.items() if v == e.key], max_route_km, e.home)
        for e in staff
    }
    return Plan(dict(sorted(assignments.items())), routes, unassignable, kept_conflicts)
