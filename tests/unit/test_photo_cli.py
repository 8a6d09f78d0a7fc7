"""`photo inspect`: facts or refusals per file, JSON output and the exit status."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from fieldcheck.evidence.cli import photo_cli
from fieldcheck.evidence.photos import PhotoFacts

PHOTOS = Path(__file__).resolve().parents[1] / "fixtures" / "photos"
GPS = PHOTOS / "gps_DSCN0010.jpg"
HEIF = PHOTOS / "sample.heif"
NOKIA = PHOTOS / "phone_nokia_8_3.jpg"


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(photo_cli, ["inspect", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output


def run_json(*files: Path | str) -> tuple[int, list[dict]]:
    code, out = run("--json", *map(str, files))
    return code, json.loads(out)


def test_accepted_files_give_all_facts_and_exit_0() -> None:
    code, records = run_json(GPS, HEIF, NOKIA)
    assert code == 0 and [r["file"] for r in records] == [str(GPS), str(HEIF), str(NOKIA)]
    expected_keys = {"file"} | {f.name for f in dataclasses.fields(PhotoFacts)} - {"display_jpeg", "thumb_jpeg"}
    assert all(set(r) == expected_keys for r in records)
    gps, heif, nokia = records
    assert gps["sha256"] == hashlib.sha256(GPS.read_bytes()).hexdigest() and gps["size_bytes"] == GPS.stat().st_size
    assert gps["gps_lat"] == pytest.approx(43 + 28 / 60 + 2.814 / 3600, abs=1e-7)
    assert gps["gps_lon"] == pytest.approx(11 + 53 / 60 + 6.456 / 3600, abs=1e-7)
    assert (gps["taken_at"], gps["taken_at_offset"]) == ("2008-10-22T16:28:39", None)
    assert (gps["camera_make"], gps["camera_model"], gps["format"], gps["mime"]) == (
        "NIKON", "COOLPIX P6000", "JPEG", "image/jpeg")
    assert (heif["format"], heif["width"], heif["height"]) == ("HEIF", 640, 426)
    assert (nokia["taken_at"], nokia["taken_at_offset"]) == ("2022-08-14T14:12:31", "+03:00")
    assert all(len(r["phash"]) == 16 for r in records)


def test_one_refusal_makes_exit_1(tmp_path: Path) -> None:
    fake = tmp_path / "photo.jpg"
    fake.write_bytes(b"<!DOCTYPE html><html><body>hi</body></html>")
    empty = tmp_path / "empty.jpg"
    empty.write_bytes(b"")
    truncated = tmp_path / "cut.jpg"
    truncated.write_bytes(GPS.read_bytes()[:40_000])
    code, records = run_json(GPS, fake, empty, truncated)
    assert code == 1
    assert records[0]["sha256"]
    assert records[1:] == [
        {"file": str(fake), "refused": "not_an_image", "detail": records[1]["detail"]},
        {"file": str(empty), "refused": "empty", "detail": "no bytes"},
        {"file": str(truncated), "refused": "truncated", "detail": records[3]["detail"]},
    ]
    assert records[1]["detail"] and records[3]["detail"]


def test_missing_file_is_refused_not_a_crash(tmp_path: Path) -> None:
    code, records = run_json(tmp_path / "nope.jpg")
    assert code == 1 and records[0]["refused"] == "unreadable" and records[0]["detail"]


def test_plain_text_output() -> None:
    code, out = run(str(GPS))
    assert code == 0
    assert out.startswith(f"{GPS}: OK\n") and "camera_make: NIKON" in out and "taken_at_offset: -" in out
    assert "display_jpeg" not in out and "thumb_jpeg" not in out


def test_plain_text_refusal(tmp_path: Path) -> None:
    gif = tmp_path / "a.jpg"
    gif.write_bytes(b"GIF89a" + bytes(20))
    code, out = run(str(gif))
    assert code == 1 and out.strip() == f"{gif}: REFUSED unsupported_format (GIF)"


def test_needs_a_file() -> None:
    result = CliRunner().invoke(photo_cli, ["inspect"])
    assert result.exit_code == 2 and "FILE" in result.output
