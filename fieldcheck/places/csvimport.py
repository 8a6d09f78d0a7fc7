"""Import of the place list (villages, communities, schools…) from CSV.

The import is all-or-nothing: every row is checked, every problem collected,
and if any row is bad nothing is returned, so the organizer fixes the file
once instead of discovering problems one at a time or half-importing it.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

from fieldcheck.places.geo import CRS_CODES, CoordinateError, parse_coordinate

PLACES_HEADER = ("name", "kind", "parent", "lat", "lon", "crs")
# Each problem is (line, code, figures); the figures are strings the message is worded with
# (places.operations.place_error_text), so the core stays free of any language.
ERROR_CODES = (
    "empty_file", "header", "csv_syntax", "columns", "empty_name", "duplicate_name", "lat_range", "lon_range",
    "not_a_number", "crs", "unknown_parent", "ambiguous_parent", "parent_cycle",
)
PlaceError = tuple[int, str, dict[str, str]]


@dataclass(frozen=True)
class PlaceRow:
    """One place as written in the file; coordinates stay in their own datum ``crs``."""

    name: str
    kind: str
    parent: str | None
    lat: float
    lon: float
    crs: str


class PlaceImportError(ValueError):
    """The file was rejected; ``errors`` lists (line number, code, figures) for every problem."""

    def __init__(self, errors: list[PlaceError]) -> None:
        self.errors = sorted(errors, key=lambda e: e[0])
        first = "; ".join(f"line {line}: {code} {figures}" for line, code, figures in self.errors[:3])
        more = f" (and {len(self.errors) - 3} more)" if len(self.errors) > 3 else ""
        super().__init__(f"{len(self.errors)} problem(s) in the place list: {first}{more}")


def _find_cycles(parent_of: dict[str, set[str]]) -> set[str]:
    """Names that are their own ancestor through the parent links."""
    in_cycle: set[str] = set()
    for start in parent_of:
        stack = list(parent_of.get(start, ()))
        seen: set[str] = set()
        while stack:
            name = stack.pop()
            if name == start:
                in_cycle.add(start)
                break
            if name in seen:
                continue
            seen.add(name)
            stack.extend(parent_of.get(name, ()))
    return in_cycle


def parse_places_csv(text: str, known: Mapping[str, int] | None = None) -> list[PlaceRow]:
    """Parse and validate a ``name,kind,parent,lat,lon,crs`` CSV; raise PlaceImportError on any bad row.

    ``known`` counts the places already imported by name: a row's parent may be one of them (a new
    village under a town imported before), when that name is not in the file and is not ambiguous.
    """
    known = known or {}
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise PlaceImportError([(1, "empty_file", {})]) from None
    except csv.Error:
        raise PlaceImportError([(1, "csv_syntax", {})]) from None
    if tuple(h.strip().lower() for h in header) != PLACES_HEADER:
        raise PlaceImportError(
            [(1, "header", {"expected": ",".join(PLACES_HEADER), "got": ",".join(header)})]
        )

    errors: list[PlaceError] = []
    rows: list[PlaceRow] = []
    first_line: dict[tuple[str, str | None], int] = {}
    line = reader.line_num
    while True:
        start = line + 1  # a quoted field may span lines: report where the row begins
        try:
            fields = next(reader)
        except StopIteration:
            break
        except csv.Error:  # e.g. a NUL byte or an unclosed quote; the csv module's text is English
            errors.append((start, "csv_syntax", {}))
            break
        line = reader.line_num
        if not fields or (len(fields) == 1 and not fields[0].strip()):
            continue  # blank line
        if len(fields) != len(PLACES_HEADER):
            errors.append((start, "columns", {"expected": str(len(PLACES_HEADER)), "got": str(len(fields))}))
            continue
        name, kind, parent_raw, lat_raw, lon_raw, crs_raw = (f.strip() for f in fields)
        parent = parent_raw or None
        row_ok = True
        if not name:
            errors.append((start, "empty_name", {}))
            row_ok = False
        lat = lon = 0.0
        try:
            lat = parse_coordinate(lat_raw, "lat")
        except CoordinateError as exc:
            errors.append((start, exc.code, {"column": "lat", "value": lat_raw}))
            row_ok = False
        try:
            lon = parse_coordinate(lon_raw, "lon")
        except CoordinateError as exc:
            errors.append((start, exc.code, {"column": "lon", "value": lon_raw}))
            row_ok = False
        crs = crs_raw.lower()
        if crs not in CRS_CODES:
            # No default datum: guessing wrong puts the site 100–500 m away.
            errors.append((start, "crs", {"value": crs_raw, "allowed": ", ".join(CRS_CODES)}))
            row_ok = False
        if name:
            key = (name, parent)
            if key in first_line:
                errors.append((start, "duplicate_name",
                               {"name": name, "parent": parent or "", "first_line": str(first_line[key])}))
                row_ok = False
            else:
                first_line[key] = start
        if row_ok:
            rows.append(PlaceRow(name, kind, parent, lat, lon, crs))

    # Names from every named row, good or bad, so a bad parent row does not
    # also make all its children look like orphans.
    name_count = Counter(name for name, _ in first_line)
    # Parents are referred to by name, so a parent name carried by two places
    # (two 新村 under different towns) cannot be resolved; only unambiguous
    # links take part in the cycle check.
    parent_of: dict[str, set[str]] = {}
    for (name, parent), _ in first_line.items():
        if parent is not None and name_count[parent] == 1:
            parent_of.setdefault(name, set()).add(parent)
    cycles = _find_cycles(parent_of)
    for (name, parent), start in first_line.items():
        if parent is None:
            continue
        if parent not in name_count:
            if known.get(parent, 0) > 1:
                errors.append((start, "ambiguous_parent", {"count": str(known[parent]), "parent": parent}))
            elif parent not in known:
                errors.append((start, "unknown_parent", {"parent": parent, "name": name}))
        elif name_count[parent] > 1:
            errors.append((start, "ambiguous_parent", {"count": str(name_count[parent]), "parent": parent}))
        elif name in cycles:
            errors.append((start, "parent_cycle", {"name": name, "parent": parent}))

    if errors:
        raise PlaceImportError(errors)
    return rows
