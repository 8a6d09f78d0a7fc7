"""Tests for the public consistent-sampler draw and sample sizes."""

from __future__ import annotations

import hashlib
import math
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fieldcheck.sampling.draw import (
    FrameRow,
    canonical_seed,
    draw,
    draw_stratified,
    frame_csv,
    frame_sha256,
    parse_frame_csv,
    sample_size,
    ticket,
    ticket_hex,
)

SEED = "0417 8826 3391 0052 7764"
CLAIMS = [f"2025/qingshan-county/{i}" for i in range(1, 13)]


# ------------------------------------------------------------ check vector


def test_published_check_vector_ticket() -> None:
    assert ticket_hex(SEED, CLAIMS[0]).startswith("14197971243d6f06")
    assert ticket(SEED, CLAIMS[0]) == int(ticket_hex(SEED, CLAIMS[0]), 16)


def test_published_check_vector_order() -> None:
    order = [pid.rsplit("/", 1)[1] for pid, _ in draw(CLAIMS, SEED, 12)]
    assert order[:6] == ["12", "1", "11", "8", "7", "4"]


def test_ticket_is_sha256_of_canonical_seed_and_id() -> None:
    expected = hashlib.sha256(b"04178826339100527764/2025/qingshan-county/7").hexdigest()
    assert ticket_hex(SEED, CLAIMS[6]) == expected
    assert len(ticket_hex(SEED, CLAIMS[6])) == 64


# ------------------------------------------------------------ canonical seed


def test_canonical_seed_removes_all_whitespace() -> None:
    assert canonical_seed(" 04\t17\n88\u3000 26\u00a0 ") == "04178826"


def test_canonical_seed_nfc() -> None:
    decomposed = "cafe\u0301"
    assert canonical_seed(decomposed) == "caf\u00e9"
    assert ticket(decomposed, "a/b/1") == ticket("caf\u00e9", "a/b/1")


@pytest.mark.parametrize("seed", ["", "   ", "\t\n\u3000"])
def test_empty_seed_rejected(seed: str) -> None:
    with pytest.raises(ValueError):
        canonical_seed(seed)
    with pytest.raises(ValueError):
        draw(CLAIMS, seed, 3)


def test_different_seed_gives_different_order() -> None:
    assert [p for p, _ in draw(CLAIMS, SEED, 12)] != [p for p, _ in draw(CLAIMS, "1", 12)]


# ------------------------------------------------------------ draw


def test_draw_returns_lowest_tickets_ascending() -> None:
    result = draw(CLAIMS, SEED, 4)
    assert len(result) == 4
    tickets = [t for _, t in result]
    assert tickets == sorted(tickets)
    not_drawn = set(CLAIMS) - {p for p, _ in result}
    assert max(tickets) < min(ticket(SEED, p) for p in not_drawn)


def test_draw_more_than_population_returns_all() -> None:
    assert sorted(p for p, _ in draw(CLAIMS, SEED, 100)) == sorted(CLAIMS)
    assert draw(CLAIMS, SEED, 0) == []


def test_draw_rejects_duplicates_and_negative_n() -> None:
    with pytest.raises(ValueError):
        draw(CLAIMS + [CLAIMS[3]], SEED, 2)
    with pytest.raises(ValueError):
        draw(CLAIMS, SEED, -1)


ids_strategy = st.lists(
    st.text(min_size=1, max_size=12).filter(lambda s: s.strip() != ""), min_size=1, max_size=25, unique=True
)
seeds = st.text(min_size=1, max_size=20).filter(lambda s: any(not c.isspace() for c in s))


@settings(max_examples=150)
@given(ids=ids_strategy, seed=seeds, data=st.data())
def test_subset_sample_is_full_order_filtered(ids: list[str], seed: str, data: st.DataObject) -> None:
    subset = data.draw(st.lists(st.sampled_from(ids), unique=True))
    k = data.draw(st.integers(min_value=0, max_value=len(subset)))
    full = draw(ids, seed, len(ids))
    filtered = [item for item in full if item[0] in set(subset)]
    assert draw(subset, seed, len(subset)) == filtered
    assert draw(subset, seed, k) == filtered[:k]


@settings(max_examples=150)
@given(ids=ids_strategy, seed=seeds, n=st.integers(0, 30), shuffle_seed=st.integers())
def test_draw_independent_of_input_order(ids: list[str], seed: str, n: int, shuffle_seed: int) -> None:
    shuffled = list(ids)
    random.Random(shuffle_seed).shuffle(shuffled)
    assert draw(shuffled, seed, n) == draw(ids, seed, n)
    assert draw(reversed(ids), seed, n) == draw(ids, seed, n)


# ------------------------------------------------------------ stratified


def test_draw_stratified_draws_within_each_stratum() -> None:
    other = [f"2025/river-town/{i}" for i in range(1, 6)]
    result = draw_stratified({"qingshan-county": CLAIMS, "river-town": other}, SEED, {"qingshan-county": 3, "river-town": 2})
    assert result["qingshan-county"] == draw(CLAIMS, SEED, 3)
    assert result["river-town"] == draw(other, SEED, 2)


def test_draw_stratified_validates_sizes_and_ids() -> None:
    with pytest.raises(ValueError):
        draw_stratified({"a": ["x/a/1"], "b": ["x/b/1"]}, SEED, {"a": 1})
    with pytest.raises(ValueError):
        draw_stratified({"a": ["x/a/1"]}, SEED, {"a": 1, "zz": 1})
    with pytest.raises(ValueError):
        draw_stratified({"a": ["x/1"], "b": ["x/1"]}, SEED, {"a": 1, "b": 1})
    with pytest.raises(ValueError):
        draw_stratified({"a": ["x/a/1"]}, SEED, {"a": -1})


# ------------------------------------------------------------ sample size


@pytest.mark.parametrize(
    ("population", "share", "confidence", "expected"),
    [(40, 0.2, 0.9, 10), (40, 0.1, 0.9, 17), (12, 0.2, 0.9, 6)],
)
def test_sample_size_vectors(population: int, share: float, confidence: float, expected: int) -> None:
    assert sample_size(population, share, confidence) == expected


def _clean_probability(population: int, bad: int, n: int) -> float:
    return math.comb(population - bad, n) / math.comb(population, n)


@settings(max_examples=200)
@given(
    population=st.integers(1, 200),
    share=st.sampled_from([0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.5, 1.0]),
    confidence=st.sampled_from([0.8, 0.9, 0.95, 0.99]),
)
def test_sample_size_is_smallest_sufficient(population: int, share: float, confidence: float) -> None:
    n = sample_size(population, share, confidence, minimum=0)
    bad = math.ceil(round(share * population, 9))
    assert 0 < n <= population
    # Margin avoids deciding the test on float rounding at exact equality.
    assert _clean_probability(population, bad, n) <= 1 - confidence + 1e-12
    assert _clean_probability(population, bad, n - 1) > 1 - confidence - 1e-12


def test_sample_size_minimum_and_limits() -> None:
    assert sample_size(0, 0.2, 0.9) == 0
    assert sample_size(40, 0.2, 0.9, minimum=15) == 15
    assert sample_size(5, 0.2, 0.9, minimum=8) == 5
    assert sample_size(3, 1.0, 0.9) == 1  # every claim false: one look is enough
    # 0.1 * 30 is 3.0000000000000004 in floats; K must be 3, not 4.
    smallest = next(n for n in range(31) if _clean_probability(30, 3, n) <= 0.1)
    assert sample_size(30, 0.1, 0.9) == smallest
    assert sample_size(100, 0.1, 0.9) < sample_size(100, 0.1, 0.95)


@pytest.mark.parametrize(("share", "confidence"), [(0, 0.9), (-0.1, 0.9), (1.5, 0.9), (0.2, 0), (0.2, 1), (0.2, 1.2)])
def test_sample_size_rejects_bad_parameters(share: float, confidence: float) -> None:
    with pytest.raises(ValueError):
        sample_size(40, share, confidence)


# ------------------------------------------------------------ frame


ROWS = [
    FrameRow("2025/b/2", "b", "民生"),
    FrameRow("2025/a/1", "a", "党建, 组织"),
    FrameRow("2025/a/10", "a", 'say "hi"'),
]


def test_frame_csv_is_sorted_with_header_and_lf() -> None:
    text = frame_csv(ROWS)
    assert text == (
        "public_id,stratum,aspect\n"
        '2025/a/1,a,"党建, 组织"\n'
        '2025/a/10,a,"say ""hi"""\n'
        "2025/b/2,b,民生\n"
    )
    assert "\r" not in text


def test_frame_sha256_independent_of_row_order() -> None:
    assert frame_sha256(ROWS) == frame_sha256(list(reversed(ROWS)))
    assert frame_sha256(ROWS) == hashlib.sha256(frame_csv(ROWS).encode("utf-8")).hexdigest()
    assert frame_sha256(ROWS) != frame_sha256(ROWS[:2])


def test_frame_rejects_duplicate_ids_and_line_breaks() -> None:
    with pytest.raises(ValueError):
        frame_csv(ROWS + [FrameRow("2025/a/1", "a", "x")])
    with pytest.raises(ValueError):
        frame_csv([FrameRow("2025/a/1", "a", "x\ry")])
    with pytest.raises(ValueError):
        frame_csv([FrameRow("2025/a/1", "a\nb", "x")])


no_breaks = st.text(alphabet=st.characters(blacklist_characters="\r\n"))
frame_rows = st.lists(
    st.builds(FrameRow, no_breaks.filter(bool), no_breaks.filter(bool), no_breaks),
    unique_by=lambda r: r.public_id,
    max_size=15,
)


@given(rows=frame_rows)
def test_frame_round_trip(rows: list[FrameRow]) -> None:
    text = frame_csv(rows)
    assert parse_frame_csv(text) == sorted(rows, key=lambda r: r.public_id)


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("public_id,stratum\n", 1),
        ("", 1),
        ("public_id,stratum,aspect\n2025/a/1,a,x\n2025/a/2,a\n", 3),
        ("public_id,stratum,aspect\n2025/a/1,a,x\n,a,x\n", 3),
        ("public_id,stratum,aspect\n2025/a/1,a,x\n\n2025/a/1,a,y\n", 4),
    ],
)
def test_parse_frame_csv_reports_line(text: str, line: int) -> None:
    with pytest.raises(ValueError, match=f"line {line}:"):
        parse_frame_csv(text)


def test_parse_frame_csv_accepts_bom_and_crlf() -> None:
    text = "\ufeffpublic_id,stratum,aspect\r\n2025/a/1,a,x\r\n"
    assert parse_frame_csv(text) == [FrameRow("2025/a/1", "a", "x")]
