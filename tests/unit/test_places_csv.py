"""Tests for the all-or-nothing place list import."""

from __future__ import annotations

import pytest

from fieldcheck.places.csvimport import PlaceImportError, PlaceRow, parse_places_csv

HEADER = "name,kind,parent,lat,lon,crs\n"


def _errors(text: str) -> list[tuple[int, str, dict[str, str]]]:
    with pytest.raises(PlaceImportError) as info:
        parse_places_csv(text)
    assert isinstance(info.value, ValueError)
    return info.value.errors


def _codes(text: str) -> list[tuple[int, str]]:
    return [(line, code) for line, code, _ in _errors(text)]


def test_good_file() -> None:
    text = (
        "\ufeff" + HEADER
        + "青山镇,town,,30.1,114.2,gcj02\n"
        + "东湖村,village,青山镇,30.12,114.25,GCJ02\n"
        + '"Hill, School",school, 青山镇 ,-30.5, 114 ,bd09\n'
        + "\n"
        + "西岭村,village,青山镇,30.2,114.3,wgs84\n"
    )
    assert parse_places_csv(text) == [
        PlaceRow("青山镇", "town", None, 30.1, 114.2, "gcj02"),
        PlaceRow("东湖村", "village", "青山镇", 30.12, 114.25, "gcj02"),
        PlaceRow("Hill, School", "school", "青山镇", -30.5, 114.0, "bd09"),
        PlaceRow("西岭村", "village", "青山镇", 30.2, 114.3, "wgs84"),
    ]


def test_header_only_and_crlf() -> None:
    assert parse_places_csv(HEADER) == []
    text = "name,kind,parent,lat,lon,crs\r\nA,village,,1,2,wgs84\r\n"
    assert parse_places_csv(text) == [PlaceRow("A", "village", None, 1.0, 2.0, "wgs84")]


@pytest.mark.parametrize("text", ["name,kind,lat,lon\nA,village,1,2\n", "place,kind,parent,lat,lon,crs\n"])
def test_bad_header(text: str) -> None:
    assert _errors(text) == [(1, "header", {"expected": "name,kind,parent,lat,lon,crs",
                                            "got": text.splitlines()[0]})]


def test_empty_file() -> None:
    assert _errors("") == [(1, "empty_file", {})]


def test_collects_all_errors_with_line_numbers() -> None:
    text = (
        HEADER
        + "青山镇,town,,30.1,114.2,gcj02\n"  # 2 good
        + ",village,青山镇,30.1,114.2,gcj02\n"  # 3 empty name
        + "东湖村,village,青山镇,95,114.2,gcj02\n"  # 4 lat out of range
        + "南湾村,village,青山镇,30.1,181,wgs84\n"  # 5 lon out of range
        + "北坡村,village,青山镇,abc,nan,wgs84\n"  # 6 two bad numbers
        + "西岭村,village,青山镇,30.1,114.2,amap\n"  # 7 unknown datum
        + "西岭村,village,青山镇,30.2,114.3,gcj02\n"  # 8 duplicate of 7
        + "西岭村,village,白水镇,30.2,114.3,gcj02\n"  # 9 same name, other parent: allowed, but parent unknown
        + "too,few,fields\n"  # 10
        + "小学,school,青山镇,30.1,114.2,\n"  # 11 missing datum
    )
    assert _codes(text) == [
        (3, "empty_name"),
        (4, "lat_range"),
        (5, "lon_range"),
        (6, "not_a_number"),
        (6, "not_a_number"),
        (7, "crs"),
        (8, "duplicate_name"),
        (9, "unknown_parent"),
        (10, "columns"),
        (11, "crs"),
    ]


def test_duplicate_detail_names_first_line() -> None:
    errors = _errors(HEADER + "A,village,,1,2,wgs84\nA,village,,1,2,wgs84\n")
    assert errors[0][:2] == (3, "duplicate_name")
    assert errors[0][2] == {"name": "A", "parent": "", "first_line": "2"}


def test_same_name_under_different_parents_is_fine() -> None:
    text = HEADER + "甲镇,town,,1,2,wgs84\n乙镇,town,,1,2,wgs84\n新村,village,甲镇,1,2,wgs84\n新村,village,乙镇,1,2,wgs84\n"
    assert [row.parent for row in parse_places_csv(text)] == [None, None, "甲镇", "乙镇"]


def test_ambiguous_parent_rejected() -> None:
    text = (
        HEADER
        + "甲镇,town,,1,2,wgs84\n乙镇,town,,1,2,wgs84\n"
        + "新村,village,甲镇,1,2,wgs84\n新村,village,乙镇,1,2,wgs84\n"
        + "新村小学,school,新村,1,2,wgs84\n"
    )
    assert _codes(text) == [(6, "ambiguous_parent")]


def test_child_with_its_parents_name_is_ambiguous_not_a_cycle() -> None:
    text = HEADER + "青山镇,town,,1,2,wgs84\n东湖,town,青山镇,1,2,wgs84\n东湖,village,东湖,1,2,wgs84\n"
    assert _codes(text) == [(4, "ambiguous_parent")]


def test_parent_defined_later_in_file_is_known() -> None:
    text = HEADER + "东湖村,village,青山镇,1,2,wgs84\n青山镇,town,,1,2,wgs84\n"
    assert [row.name for row in parse_places_csv(text)] == ["东湖村", "青山镇"]


def test_child_of_bad_row_is_not_reported_as_orphan() -> None:
    # The parent row is bad (datum), but it exists: only it is reported.
    text = HEADER + "青山镇,town,,1,2,xyz\n东湖村,village,青山镇,1,2,wgs84\n"
    assert _codes(text) == [(2, "crs")]


def test_parent_cycle_rejected() -> None:
    text = HEADER + "A,town,B,1,2,wgs84\nB,town,A,1,2,wgs84\nC,village,C,1,2,wgs84\n"
    assert _codes(text) == [(2, "parent_cycle"), (3, "parent_cycle"), (4, "parent_cycle")]


def test_multiline_quoted_row_reports_its_first_line() -> None:
    text = HEADER + 'A,village,,1,2,wgs84\n"B\nB",village,,1,2,wgs84\nC,village,,999,2,wgs84\n'
    assert _codes(text) == [(5, "lat_range")]


def test_error_message_summarises() -> None:
    with pytest.raises(PlaceImportError, match="problem"):
        parse_places_csv(HEADER + ",,,x,y,z\n")
