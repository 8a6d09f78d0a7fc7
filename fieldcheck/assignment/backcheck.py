"""Back-checks: a share of approved verifications redone by a second, independent examiner.

The back-check sample uses the public draw's ticket rule on a salted seed,
``<canonical seed>/<label>``, so it is as re-derivable as the main sample
but orders the claims differently from it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from fractions import Fraction

from fieldcheck.assignment.plan import Examiner, TaskSite, conflicts
from fieldcheck.cycles.defaults import BACKCHECK_SHARE
from fieldcheck.sampling.draw import canonical_seed, draw


def backcheck_salt(seed: str, label: str = "backcheck") -> str:
    """Return the recorded salt ``<canonical seed>/<label>``.

    The label must be non-empty, with no whitespace and no "/", so the salt is
    already canonical and no other (seed, label) pair can produce it.
    """
    if not label or "/" in label or canonical_seed(label) != label:
        raise ValueError(f"salt label must be non-empty, in NFC, without whitespace or '/': {label!r}")
    return f"{canonical_seed(seed)}/{label}"


def backcheck_size(population: int, share: float, minimum: int = 1) -> int:
    """⌈share × N⌉ computed exactly, at least ``minimum`` (when N > 0), at most N."""
    if population < 0 or minimum < 0:
        raise ValueError("population and minimum must not be negative")
    # str() first, so 0.1 is exactly 1/10 and 0.1 × 30 is 3, not 3.0000000000000004.
    exact = Fraction(str(share))
    if not 0 <= exact <= 1:
        raise ValueError("share must be in [0, 1]")
    if population == 0:
        return 0
    return min(max(math.ceil(exact * population), minimum), population)


def draw_backchecks(
    approved_public_ids: Iterable[str],
    seed: str,
    share: float = BACKCHECK_SHARE,
    salt_label: str = "backcheck",
    minimum: int = 1,
) -> list[tuple[str, int]]:
    """Return the back-check sample as (public id, ticket), lowest ticket first.

    Tickets are SHA-256 of ``<salt>/<public id>`` (the draw's rule with the salt
    as seed); the ⌈share × N⌉ lowest are taken, at least ``minimum`` when N > 0.
    """
    ids = list(approved_public_ids)
    return draw(ids, backcheck_salt(seed, salt_label), backcheck_size(len(ids), share, minimum))


def second_examiner(
    first_examiner: str,
    task: TaskSite,
    examiners: Sequence[Examiner],
    related_units: Mapping[str, set[str]],
    load: Mapping[str, int],
) -> str | None:
    """The least-loaded examiner (ties by key) other than the first and free of conflict, or None."""
    candidates = [
        e.key for e in examiners if e.key != first_examiner and not conflicts(e, task, related_units)
    ]
    if not candidates:
        return None
    return min(candidates, key=lambda key: (load.get(key, 0), key))


def disagreement(
    first_finding: str,
    second_finding: str,
    first_qty: float | None,
    second_qty: float | None,
    qty_tolerance: float = 0.1,
) -> str | None:
    """"finding" when the findings differ; "quantity" when both quantities exist and differ
    by more than ``qty_tolerance`` of the larger (in absolute value); else None."""
    if not (math.isfinite(qty_tolerance) and qty_tolerance >= 0):
        raise ValueError("qty_tolerance must be a non-negative number")
    if first_finding != second_finding:
        return "finding"
    if first_qty is None or second_qty is None:
        return None
    if not (math.isfinite(first_qty) and math.isfinite(second_qty)):
        raise ValueError("quantities must be finite numbers")
    larger = max(abs(first_qty), abs(second_qty))
    if abs(first_qty - second_qty) > qty_tolerance * larger:
        return "quantity"
    return None
