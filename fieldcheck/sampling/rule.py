"""The sampling rule as one pure function over the published frame.

The app, `fieldcheck sample verify` and the standalone script all derive the sample from the
same inputs: the frame (public id, stratum, aspect), the seed and the rule's parameters, which
the app publishes as the `method` string. Nothing here knows about the database.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ..cycles import defaults
from ..cycles.defaults import STRATA
from .draw import FrameRow, draw, sample_size

METHOD_PREFIX = "fieldcheck-draw/1"


@dataclass(frozen=True)
class DrawRule:
    """How many claims each stratum gets, and what counts as a stratum."""

    tolerable_share: float = defaults.TOLERABLE_SHARE
    confidence: float = defaults.CONFIDENCE
    minimum: int = defaults.MIN_PER_STRATUM
    cover_aspects: bool = defaults.COVER_ASPECTS
    strata: str = defaults.DEFAULT_STRATA

    def __post_init__(self) -> None:
        if not 0 < self.tolerable_share <= 1:
            raise ValueError("tolerable share must be in (0, 1]")
        if not 0 < self.confidence < 1:
            raise ValueError("confidence must be in (0, 1)")
        if self.minimum < 0:
            raise ValueError("minimum must not be negative")
        if self.strata not in STRATA:
            raise ValueError(f"strata must be one of {STRATA}")

    @property
    def method(self) -> str:
        """The rule as published beside the seed: enough to re-derive the sample."""
        # repr() writes the shortest exact form of each float: a rounded figure would publish
        # a different rule than the one drawn with.
        return (f"{METHOD_PREFIX} strata={self.strata} p={self.tolerable_share!r} c={self.confidence!r} "
                f"min={self.minimum} cover_aspects={'yes' if self.cover_aspects else 'no'}")

    @classmethod
    def parse(cls, method: str) -> DrawRule:
        """Read a published method string back into a rule (ValueError when malformed)."""
        parts = method.split()
        if not parts or parts[0] != METHOD_PREFIX:
            raise ValueError(f"not a {METHOD_PREFIX} method: {method!r}")
        try:
            fields = dict(part.split("=", 1) for part in parts[1:])
            return cls(tolerable_share=float(fields["p"]), confidence=float(fields["c"]),
                       minimum=int(fields["min"]), cover_aspects=fields["cover_aspects"] == "yes",
                       strata=fields["strata"])
        except (KeyError, ValueError) as exc:
            raise ValueError(f"malformed method {method!r}: {exc}") from None


@dataclass(frozen=True)
class Drawn:
    """One sampled claim: its stratum, its rank there, its ticket and why it was taken."""

    public_id: str
    stratum: str
    rank: int
    ticket_hex: str
    reason: str  # "size", "aspect" (cover every aspect) or "extension"


def stratum_of(row: FrameRow, rule: DrawRule) -> str:
    return row.stratum if rule.strata == "report" else f"{row.stratum}/{row.aspect}"


def draw_frame(rows: Iterable[FrameRow], seed: str, rule: DrawRule,
               extensions: Mapping[str, int] | None = None) -> list[Drawn]:
    """The sample of the frame: per stratum the lowest tickets, then aspect cover, then extensions.

    1. n = sample_size(N, p, c, minimum) claims with the lowest tickets;
    2. with cover_aspects, every aspect present in the stratum but not yet sampled adds its
       lowest-ticket claim (aspects taken in order of that ticket);
    3. an extension of k adds the k lowest tickets not yet sampled.
    """
    extensions = dict(extensions or {})
    strata: dict[str, list[FrameRow]] = {}
    for row in rows:
        strata.setdefault(stratum_of(row, rule), []).append(row)
    unknown = set(extensions) - set(strata)
    if unknown:
        raise ValueError(f"extension for unknown strata: {sorted(unknown)}")
    result: list[Drawn] = []
    for name in sorted(strata):
        members = strata[name]
        aspect_of = {row.public_id: row.aspect for row in members}
        ordered = draw(aspect_of, seed, len(members))
        n = sample_size(len(members), rule.tolerable_share, rule.confidence, rule.minimum)
        picked: list[tuple[str, int, str]] = [(pid, t, "size") for pid, t in ordered[:n]]
        if rule.cover_aspects:
            covered = {aspect_of[pid] for pid, _t, _r in picked}
            for pid, t in ordered[n:]:
                if aspect_of[pid] not in covered:
                    covered.add(aspect_of[pid])
                    picked.append((pid, t, "aspect"))
        extra = extensions.get(name, 0)
        if extra < 0:
            raise ValueError("an extension cannot be negative")
        taken = {pid for pid, _t, _r in picked}
        picked += [(pid, t, "extension") for pid, t in ordered if pid not in taken][:extra]
        result += [Drawn(pid, name, rank, f"{t:064x}", reason)
                   for rank, (pid, t, reason) in enumerate(picked, start=1)]
    return result


def sample_csv(drawn: Iterable[Drawn]) -> str:
    """The published sample.csv: stratum, rank, public id, ticket and reason, by stratum and rank."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["stratum", "rank", "public_id", "ticket", "reason"])
    for d in sorted(drawn, key=lambda d: (d.stratum, d.rank)):
        writer.writerow([d.stratum, d.rank, d.public_id, d.ticket_hex, d.reason])
    return out.getvalue()
