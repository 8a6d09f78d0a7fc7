"""The sampling rule over the frame, and its independent twin in verify_sample.py."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from fieldcheck.sampling.draw import FrameRow, frame_csv, sample_size
from fieldcheck.sampling.rule import DrawRule, draw_frame, sample_csv

SCRIPT = Path(__file__).resolve().parents[2] / "fieldcheck" / "sampling" / "verify_sample.py"
SEED = "0417 8826 3391 0052 7764"


def standalone():
    spec = importlib.util.spec_from_file_location("verify_sample", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def frame(n_reports: int, n_claims: int, aspects: int) -> list[FrameRow]:
    return [FrameRow(f"2025/r{r}/{i}", f"r{r}", f"a{i % aspects}")
            for r in range(n_reports) for i in range(1, n_claims + 1)]


def test_the_method_string_carries_the_exact_rule():
    for rule in (DrawRule(), DrawRule(0.2500004, 0.9999996, 4, False, "report+aspect"), DrawRule(1 / 3, 0.95)):
        assert DrawRule.parse(rule.method) == rule


def test_sizes_aspect_cover_and_extensions():
    rows = frame(1, 40, 5)
    drawn = draw_frame(rows, SEED, DrawRule())
    by_reason = [d.reason for d in drawn]
    assert by_reason[:10] == ["size"] * 10 and sample_size(40, 0.2, 0.9, 3) == 10
    aspects_in_sample = {rows[int(d.public_id.rsplit("/", 1)[1]) - 1].aspect for d in drawn}
    assert aspects_in_sample == {f"a{i}" for i in range(5)}  # every aspect covered
    extended = draw_frame(rows, SEED, DrawRule(), {"r0": 2})
    assert extended[: len(drawn)] == drawn and [d.reason for d in extended[len(drawn):]] == ["extension"] * 2
    assert [d.rank for d in extended] == list(range(1, len(extended) + 1))


@settings(max_examples=40, deadline=None)
@given(n_reports=st.integers(1, 4), n_claims=st.integers(1, 45), aspects=st.integers(1, 6),
       share=st.sampled_from([0.05, 0.1, 0.2, 0.25, 0.5, 1.0]), confidence=st.sampled_from([0.8, 0.9, 0.95, 0.99]),
       minimum=st.integers(0, 6), cover=st.booleans(), strata=st.sampled_from(["report", "report+aspect"]),
       seed=st.text(min_size=1, max_size=20).filter(lambda s: s.strip()), extend=st.integers(0, 3))
def test_the_standalone_script_agrees_with_the_app(n_reports, n_claims, aspects, share, confidence, minimum, cover,
                                                   strata, seed, extend):
    rows = frame(n_reports, n_claims, aspects)
    rule = DrawRule(share, confidence, minimum, cover, strata)
    first_stratum = sorted({r.stratum if strata == "report" else f"{r.stratum}/{r.aspect}" for r in rows})[0]
    extensions = {first_stratum: extend}
    ours = sample_csv(draw_frame(rows, seed, rule, extensions))
    theirs = standalone()
    assert theirs.to_csv(theirs.derive(frame_csv(rows), seed, rule.method, extensions)) == ours


def test_the_standalone_sample_size_equals_the_binomial_definition():
    """verify_sample.size updates C(N-K,n)/C(N,n) incrementally; it must give the n of the definition."""
    import math
    from fractions import Fraction

    from fieldcheck.sampling import verify_sample

    def by_definition(population, share, confidence, minimum):
        if population == 0:
            return 0
        bad, limit, n = math.ceil(Fraction(share) * population), 1 - Fraction(confidence), 0
        while n < population and Fraction(math.comb(population - bad, n), math.comb(population, n)) > limit:
            n += 1
        return min(population, max(n, minimum))

    for population in (0, 1, 2, 7, 30, 61, 250, 1200):
        for share in ("0", "0.01", "0.05", "0.2", "1"):
            for confidence in ("0.5", "0.9", "0.99"):
                for minimum in (0, 3):
                    args = (population, share, confidence, minimum)
                    assert verify_sample.size(*args) == by_definition(*args), args
