"""The export's pure cores: cell neutralisation and the CSV convention, the manifest, the offline check."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timedelta, timezone

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from hypothesis import given
from hypothesis import strategies as st

from fieldcheck.export.cells import FORMULA_STARTS, cell, csv_text, neutralise, restore
from fieldcheck.export.manifest import Hashed, batched, datapackage, dumps, package_name, resource, signature_block, \
    signature_file
from fieldcheck.export.verify_package import Failure, verify


@pytest.mark.parametrize("text", ['=1+2', '+1', '-2', '@SUM(A1)', '\tx', "'quoted", '=HYPERLINK("http://x")'])
def test_a_formula_start_gets_one_apostrophe(text):
    assert neutralise(text) == "'" + text and restore(neutralise(text)) == text


@given(st.text())
def test_neutralising_is_reversible_and_leaves_no_formula_start(text):
    safe = neutralise(text)
    assert restore(safe) == text
    assert not safe or safe[0] not in FORMULA_STARTS


def test_cells_are_typed_and_written_one_way():
    assert cell(None, "number") == "" and cell(None, "string") == ""
    assert cell(True, "boolean") == "true" and cell(False, "boolean") == "false"
    assert cell(89.99999999999999, "number") == "90.0" and cell(float("nan"), "number") == ""
    assert cell(-3.5, "number") == "-3.5"  # numbers are never neutralised
    local = datetime(2025, 5, 1, 10, 0, 30, tzinfo=timezone(timedelta(hours=8)))
    assert cell(local, "datetime") == "2025-05-01T02:00:30Z"
    assert cell("a\r\nb\rc", "string") == "a\nb\nc"


def test_a_csv_reads_back_cell_for_cell():
    rows = [{"a": "x,y", "b": 'say "hi"', "c": 1.5}, {"a": "=cmd", "b": "line\rbreak", "c": None}]
    text = csv_text(["a", "b", "c"], ["string", "string", "number"], rows)
    assert not text.startswith("\ufeff") and "\r" not in text
    assert list(csv.reader(io.StringIO(text))) == [["a", "b", "c"], ["x,y", 'say "hi"', "1.5"],
                                                   ["'=cmd", "line\nbreak", ""]]


def test_package_names_are_data_package_names():
    assert package_name("2025") == "fieldcheck-2025" and package_name("青山 2025/Q1") == "fieldcheck-2025-q1"


def build(directory, key, files: dict[str, bytes]):
    """A package written with the pure functions alone."""
    resources = []
    (directory / "data").mkdir(parents=True)
    for name, data in files.items():
        hashed = Hashed(batched([data.decode("utf-8")]))
        (directory / "data" / f"{name}.csv").write_bytes(b"".join(hashed))
        resources.append(resource(name, name, name, {"fields": [{"name": "a", "type": "string"}]}, hashed))
    raw = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    manifest = dumps(datapackage("fieldcheck-t", "t", "2025-01-01T00:00:00Z", resources,
                                 {"signature": signature_block(raw)}))
    (directory / "datapackage.json").write_bytes(manifest)
    (directory / "datapackage.json.sig").write_bytes(signature_file(manifest, key))
    return raw


def test_the_checker_passes_a_whole_package_and_names_what_breaks(tmp_path):
    key = Ed25519PrivateKey.generate()
    raw = build(tmp_path / "p", key, {"t": "a\n1\n".encode(), "u": "a\n2\n".encode()})
    assert verify(str(tmp_path / "p"), raw)["files"] == 2
    assert verify(str(tmp_path / "p"))["key_given"] is False
    (tmp_path / "p" / "data" / "u.csv").write_bytes(b"a\n3\n")
    with pytest.raises(Failure) as failure:
        verify(str(tmp_path / "p"), raw)
    assert failure.value.name == "data/u.csv" and "SHA-256" in failure.value.problem
    other = Ed25519PrivateKey.generate().public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    build(tmp_path / "q", key, {"t": b"a\n1\n"})
    with pytest.raises(Failure) as failure:
        verify(str(tmp_path / "q"), other)
    assert failure.value.name == "datapackage.json.sig"


def test_a_resource_path_may_not_leave_the_package(tmp_path):
    key = Ed25519PrivateKey.generate()
    build(tmp_path / "p", key, {"t": b"a\n1\n"})
    manifest = json.loads((tmp_path / "p" / "datapackage.json").read_text("utf-8"))
    manifest["resources"][0]["path"] = "../outside.csv"
    data = dumps(manifest)
    (tmp_path / "p" / "datapackage.json").write_bytes(data)
    (tmp_path / "p" / "datapackage.json.sig").write_bytes(signature_file(data, key))
    with pytest.raises(Failure) as failure:
        verify(str(tmp_path / "p"))
    assert failure.value.name == "datapackage.json" and "leaves the package" in failure.value.problem
