"""Public, re-derivable sample draw (Rivest's consistent sampler).

Every claim gets a ticket, SHA-256 of ``<canonical seed>/<public id>``; the
claims with the lowest tickets are sampled. Because a claim's ticket depends
only on the seed and its own id, anyone holding the published seed and frame
can recompute the sample without the database, and adding or removing other
claims never changes the relative order of the rest.
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

FRAME_HEADER = ("public_id", "stratum", "aspect")


class FrameError(ValueError):
    """A frame CSV that cannot be read: the line, a code and the figures to word it with.

    Codes: empty, header, csv_syntax, columns, empty_public_id, empty_stratum, duplicate_id.
    """

    def __init__(self, line: int, code: str, figures: dict[str, str] | None = None) -> None:
        self.line, self.code, self.figures = line, code, dict(figures or {})
        super().__init__(f"line {line}: {code} {self.figures}" if self.figures else f"line {line}: {code}")


def canonical_seed(seed: str) -> str:
    """Return the seed in Unicode NFC with every whitespace character removed."""
    # Removing whitespace lets people type the dice digits in groups
    # ("0417 8826 …") and still get the same tickets as everyone else.
    canonical = "".join(ch for ch in unicodedata.normalize("NFC", seed) if not ch.isspace())
    if not canonical:
        raise ValueError("seed is empty once whitespace is removed")
    return canonical


def _ticket_digest(canonical: str, public_id: str) -> bytes:
    if not public_id:
        raise ValueError("public id is empty")
    return hashlib.sha256(f"{canonical}/{public_id}".encode("utf-8")).digest()


def ticket(seed: str, public_id: str) -> int:
    """Return the claim's ticket: SHA-256 of ``<canonical seed>/<id>`` as a 256-bit int."""
    return int.from_bytes(_ticket_digest(canonical_seed(seed), public_id), "big")


def ticket_hex(seed: str, public_id: str) -> str:
    """Return the claim's ticket as 64 lowercase hex characters."""
    return _ticket_digest(canonical_seed(seed), public_id).hex()


def _ordered(public_ids: Iterable[str], canonical: str) -> list[tuple[str, int]]:
    ids = list(public_ids)
    seen: set[str] = set()
    for public_id in ids:
        if public_id in seen:
            raise ValueError(f"duplicated public id: {public_id!r}")
        seen.add(public_id)
    tickets = [(pid, int.from_bytes(_ticket_digest(canonical, pid), "big")) for pid in ids]
    # The id tie-break only matters for a SHA-256 collision, but it keeps the
    # order total so the result never depends on the input order.
    tickets.sort(key=lambda item: (item[1], item[0]))
    return tickets


def draw(public_ids: Iterable[str], seed: str, n: int) -> list[tuple[str, int]]:
    """Return the ``n`` claims with the lowest tickets as (public id, ticket), lowest first."""
    if n < 0:
        raise ValueError("sample size must not be negative")
    return _ordered(public_ids, canonical_seed(seed))[:n]


def draw_stratified(
    strata: Mapping[str, Sequence[str]], seed: str, sizes: Mapping[str, int]
) -> dict[str, list[tuple[str, int]]]:
    """Draw ``sizes[stratum]`` claims independently within each stratum."""
    missing = sorted(set(strata) - set(sizes))
    extra = sorted(set(sizes) - set(strata))
    if missing:
        raise ValueError(f"no sample size for strata: {', '.join(missing)}")
    if extra:
        raise ValueError(f"sample size given for unknown strata: {', '.join(extra)}")
    # Public ids are unique across the whole frame; a repeat in two strata
    # would mean the same claim could be sampled twice.
    all_ids = [pid for ids in strata.values() for pid in ids]
    if len(set(all_ids)) != len(all_ids):
        raise ValueError("a public id appears more than once across strata")
    canonical = canonical_seed(seed)
    result: dict[str, list[tuple[str, int]]] = {}
    for name, ids in strata.items():
        size = sizes[name]
        if size < 0:
            raise ValueError(f"sample size for stratum {name!r} must not be negative")
        result[name] = _ordered(ids, canonical)[:size]
    return result


def _exact(value: float | Fraction) -> Fraction:
    # Going through str() turns the float 0.9 into exactly 9/10, so that
    # 0.2 * 40 is 8 and not 8.000000000000002 (which would ceil to 9).
    return Fraction(str(value))


def sample_size(population: int, tolerable_share: float, confidence: float, minimum: int = 1) -> int:
    """Smallest n such that, with ceil(share·N) false claims, a clean sample has probability ≤ 1 − confidence.

    Exact hypergeometric: P(no false claim in n) = C(N−K, n) / C(N, n).
    The result is at least ``minimum`` and at most ``population``.
    """
    if population < 0:
        raise ValueError("population must not be negative")
    if minimum < 0:
        raise ValueError("minimum must not be negative")
    p = _exact(tolerable_share)
    c = _exact(confidence)
    if not 0 < p <= 1:
        raise ValueError("tolerable share must be in (0, 1]")
    if not 0 < c < 1:
        raise ValueError("confidence must be in (0, 1)")
    if population == 0:
        return 0
    false_claims = math.ceil(p * population)
    risk = 1 - c
    n = 0
    # C(N−K, n)/C(N, n) = Π_{i<n} (N−K−i)/(N−i); it reaches 0 by n = N−K+1 ≤ N,
    # so the loop always ends within the population.
    clean = Fraction(1)
    while clean > risk:
        clean *= Fraction(population - false_claims - n, population - n)
        n += 1
    return min(max(n, minimum), population)


# ---------------------------------------------------------------- frame


@dataclass(frozen=True)
class FrameRow:
    """One confirmed claim in the sampling frame."""

    public_id: str
    stratum: str
    aspect: str


def frame_csv(rows: Iterable[FrameRow]) -> str:
    """Serialise the frame canonically: fixed header, rows sorted by public id, LF endings."""
    ordered = sorted(rows, key=lambda row: row.public_id)
    for before, after in zip(ordered, ordered[1:]):
        if before.public_id == after.public_id:
            raise ValueError(f"duplicated public id in frame: {after.public_id!r}")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(FRAME_HEADER)
    for row in ordered:
        fields = (row.public_id, row.stratum, row.aspect)
        # The csv module leaves a lone "\r" unquoted, which would not read back;
        # line breaks have no place in ids or names, so refuse them outright.
        if any("\r" in f or "\n" in f for f in fields):
            raise ValueError(f"line break in frame row {row.public_id!r}")
        writer.writerow(fields)
    return out.getvalue()


def frame_sha256(rows: Iterable[FrameRow]) -> str:
    """Return the SHA-256 hex digest of the canonical frame CSV (UTF-8)."""
    return hashlib.sha256(frame_csv(rows).encode("utf-8")).hexdigest()


def parse_frame_csv(text: str) -> list[FrameRow]:
    """Parse a frame CSV as written by :func:`frame_csv`; raise FrameError naming the bad line."""
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise FrameError(1, "empty", {"expected": ",".join(FRAME_HEADER)}) from None
    if tuple(header) != FRAME_HEADER:
        raise FrameError(1, "header", {"expected": ",".join(FRAME_HEADER), "got": ",".join(header)})
    rows: list[FrameRow] = []
    seen: dict[str, int] = {}
    line = reader.line_num
    while True:
        start = line + 1
        try:
            fields = next(reader)
        except StopIteration:
            break
        except csv.Error:  # the csv module's own text is English: the code says enough
            raise FrameError(start, "csv_syntax") from None
        line = reader.line_num
        if not fields:
            continue
        if len(fields) != len(FRAME_HEADER):
            raise FrameError(start, "columns", {"expected": str(len(FRAME_HEADER)), "got": str(len(fields))})
        public_id, stratum, aspect = fields
        if not public_id:
            raise FrameError(start, "empty_public_id")
        if not stratum:
            raise FrameError(start, "empty_stratum")
        if public_id in seen:
            raise FrameError(start, "duplicate_id", {"public_id": public_id, "first_line": str(seen[public_id])})
        seen[public_id] = start
        rows.append(FrameRow(public_id, stratum, aspect))
    return rows
