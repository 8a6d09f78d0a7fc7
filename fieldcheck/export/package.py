"""A cycle's export package: the CSV files, datapackage.json and its signature, as a directory or a ZIP,
and the same tables as one XLSX workbook. Everything streams: rows come from the database in
batches (`tables`), go out in chunks, and are hashed on the way, so memory stays flat at any size.

Layout (the same in a directory and in the ZIP):

    datapackage.json          Frictionless Data Package: schemas, sizes, SHA-256 of every file
    datapackage.json.sig      Ed25519 signature of the exact datapackage.json bytes
    data/<table>.csv          one file per table (tables.TABLES)
"""

from __future__ import annotations

import os
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import asdict
from datetime import datetime, timezone
from pathlib import Path

import sqlalchemy as sa

from ..audit.chain import chain_head
from ..cycles.models import Cycle, Question
from ..cycles.operations import current_snapshot
from ..cycles.settings import settings_of
from ..extensions import db
from ..grading.operations import rules_of
from ..sampling.models import Sample
from ..scores.scoring import FALSE_BELOW
from .cells import csv_lines, csv_text_chunks, typed_cell
from .manifest import (DATA_DIR, SCHEMA_VERSION, Hashed, batched, datapackage, dumps, package_name, resource, signature_block,
                       signature_file)
from .signing import raw_public_key, signing_key
from .rows import frame_text
from .tables import TABLES, Table
from .verify_package import MANIFEST, SIGNATURE

# progress(table name, rows written so far in this table, rows expected in this table)
Progress = Callable[[str, int, int], None]


def closing_snapshot_sha256(cycle: Cycle) -> str | None:
    """The SHA-256 of the close snapshot in force (None until the cycle is closed)."""
    snapshot = current_snapshot(cycle)
    return snapshot.sha256 if snapshot else None


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0)


def package_metadata(cycle: Cycle) -> dict:
    """What the receiver needs beside the rows: the method, seed, frame hash and every figure used."""
    settings = settings_of(cycle)
    sample = db.session.scalar(sa.select(Sample).where(Sample.cycle_id == cycle.id))
    rules = rules_of(cycle)
    seq, head = chain_head(db.session)
    questions = db.session.execute(sa.select(Question.id, Question.position, Question.text)
                                   .where(Question.cycle_id == cycle.id).order_by(Question.position, Question.id))
    return {
        "cycle": {"code": cycle.code, "title": cycle.title, "state": cycle.state, "time_zone": settings.time_zone},
        "sample": {
            "method": sample.method if sample else None, "seed": sample.seed if sample else None,
            "canonical_seed": sample.canonical_seed if sample else None,
            "drawn_at": sample.drawn_at.strftime("%Y-%m-%dT%H:%M:%SZ") if sample else None,
            "frame_sha256": (sample.frame_sha256 if sample else cycle.frame_sha256),
            "min_per_stratum": settings.min_per_stratum, "tolerable_share": settings.tolerable_share,
            "cover_aspects": settings.cover_aspects, "strata": settings.strata,
        },
        "confidence": settings.confidence,
        "scoring": {
            "claim_formula": settings.claim_formula(), "finding_weight": settings.finding_weight,
            "satisfaction_weight": settings.satisfaction_weight, "partly_value": settings.partly_value,
            "false_below": FALSE_BELOW, "aspect_weights": settings.aspect_weight_map(),
        },
        "grade_rules": asdict(rules),
        "closing_snapshot_sha256": closing_snapshot_sha256(cycle),
        "audit_chain_head": {"seq": seq, "sha256": head},
        "questions": [{"id": qid, "position": position, "text": text} for qid, position, text in questions],
        "not_included": ["rectification tables (not exported yet)"],
    }


def _table_chunks(cycle: Cycle, table: Table, progress: Progress | None, expected: int) -> Iterator[bytes]:
    if table.name == "frame":
        # The frozen frame verbatim: these bytes hash to the published frame SHA-256.
        text = frame_text(cycle)
        if text is None:
            yield from batched(csv_lines(table.field_names, [f.type for f in table.fields], []))
        else:
            yield text.encode("utf-8")
        if progress:
            progress(table.name, expected, expected)
        return
    kinds = [f.type for f in table.fields]

    def counted():
        n = 0
        for n, values in enumerate(table.values(cycle), start=1):
            if progress and n % 10000 == 0:
                progress(table.name, n, expected)
            yield values
        if progress:
            progress(table.name, max(n, expected), expected)

    yield from batched(csv_text_chunks(table.field_names, kinds, counted()))


def members(cycle: Cycle, progress: Progress | None = None, counts: dict[str, int] | None = None
            ) -> Iterator[tuple[str, Iterator[bytes]]]:
    """The package's files in order, each as (name, chunks): the CSVs, then datapackage.json, then its
    signature. Each CSV must be read to its end before the next member is asked for."""
    key = signing_key()
    created = _now()
    metadata = package_metadata(cycle)
    hashed: list[tuple[Table, Hashed]] = []
    for table in TABLES:
        chunks = Hashed(_table_chunks(cycle, table, progress, (counts or {}).get(table.name, 0)))
        hashed.append((table, chunks))
        yield f"{DATA_DIR}/{table.name}.csv", iter(chunks)
    resources = [resource(t.name, t.en, t.zh, t.schema(), h, verbatim=t.name == "frame") for t, h in hashed]
    document = datapackage(package_name(cycle.code), cycle.title, created.strftime("%Y-%m-%dT%H:%M:%SZ"),
                           resources, {**metadata, "signature": signature_block(raw_public_key(key))})
    manifest = dumps(document)
    yield MANIFEST, iter([manifest])
    yield SIGNATURE, iter([signature_file(manifest, key)])


def row_counts(cycle: Cycle) -> dict[str, int]:
    """Rows per table (one count statement per table), for progress and the export page."""
    return {table.name: table.count(cycle) for table in TABLES}


# ---------------------------------------------------------------- the ZIP, streamed

class _Pipe:
    """A write-only file for zipfile that hands the written bytes on instead of keeping them."""

    def __init__(self):
        self.parts: list[bytes] = []

    def write(self, data) -> int:
        self.parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def drain(self) -> Iterator[bytes]:
        if self.parts:
            data, self.parts = b"".join(self.parts), []
            yield data


def stream_zip(cycle: Cycle, progress: Progress | None = None, counts: dict[str, int] | None = None
               ) -> Iterator[bytes]:
    """The package as a ZIP, chunk by chunk (no seeking: entries carry data descriptors)."""
    pipe = _Pipe()
    when = _now().timetuple()[:6]
    with zipfile.ZipFile(pipe, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        for name, chunks in members(cycle, progress, counts):
            info = zipfile.ZipInfo(name, date_time=when)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            with archive.open(info, "w", force_zip64=True) as member:
                for chunk in chunks:
                    member.write(chunk)
                    yield from pipe.drain()
            yield from pipe.drain()
    yield from pipe.drain()


def write_zip(cycle: Cycle, path: str | os.PathLike, progress: Progress | None = None,
              counts: dict[str, int] | None = None) -> Path:
    """Write the ZIP next to its place and move it there only when whole."""
    path = Path(path)
    part = path.with_name(path.name + ".part")
    with open(part, "wb") as out:
        for chunk in stream_zip(cycle, progress, counts):
            out.write(chunk)
    part.replace(path)
    return path


def write_directory(cycle: Cycle, directory: str | os.PathLike, progress: Progress | None = None,
                    counts: dict[str, int] | None = None) -> Path:
    """Write the package into an empty (or new) directory."""
    directory = Path(directory)
    if directory.exists() and any(directory.iterdir()):
        raise FileExistsError(f"{directory} is not empty")
    (directory / DATA_DIR).mkdir(parents=True, exist_ok=True)
    for name, chunks in members(cycle, progress, counts):
        with open(directory / name, "wb") as out:
            for chunk in chunks:
                out.write(chunk)
    return directory


# ---------------------------------------------------------------- the XLSX workbook

def write_workbook(cycle: Cycle, target, progress: Progress | None = None, counts: dict[str, int] | None = None):
    """The same tables as one XLSX (openpyxl write-only: rows go to the file as they come).

    Each sheet: row 1 the column's meaning in Chinese and English (for people), row 2 the field
    name (for programs), then the rows, cell for cell the CSV's (string cells neutralised the same
    way, numbers as numbers). An "about" sheet comes first.
    """
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font

    book = Workbook(write_only=True)
    bold = Font(bold=True)
    about = book.create_sheet("about")
    metadata = package_metadata(cycle)
    about.append(["fieldcheck", cycle.code, cycle.title])
    about.append(["schema_version", SCHEMA_VERSION])
    about.append(["frame_sha256", metadata["sample"]["frame_sha256"]])
    about.append(["method", metadata["sample"]["method"]])
    about.append(["seed", metadata["sample"]["seed"]])
    about.append(["confidence", metadata["confidence"]])
    about.append(["header rows", "第 1 行：列的含义（中文 / English）；第 2 行：字段名；其后为数据。",
                  "Row 1: what the column means (Chinese / English); row 2: the field name; then the rows."])
    about.append(["formula injection", "以 = + - @ 制表符 回车 或 ' 开头的文字单元格前加一个 '。",
                  "Text cells starting with = + - @ TAB CR or ' have one ' put in front."])
    for table in TABLES:
        about.append([table.name, table.zh, table.en])
    for table in TABLES:
        sheet = book.create_sheet(table.name)
        sheet.freeze_panes = "A3"
        labels = []
        for f in table.fields:
            label = WriteOnlyCell(sheet, value=f"{f.zh}\n{f.en}")
            label.font = bold
            label.alignment = Alignment(wrap_text=True, vertical="top")
            labels.append(label)
        sheet.append(labels)
        sheet.append([f.name for f in table.fields])
        kinds = [(f.name, f.type) for f in table.fields]
        expected = (counts or {}).get(table.name, 0)
        for n, row in enumerate(table.rows(cycle), start=1):
            sheet.append([typed_cell(row[name], kind) for name, kind in kinds])
            if progress and n % 10000 == 0:
                progress(table.name, n, expected)
        if progress:
            progress(table.name, expected, expected)
    book.save(target)
    return target


def stream_workbook(cycle: Cycle, chunk: int = 1 << 16) -> Iterator[bytes]:
    """The workbook through a temporary file (an XLSX is a ZIP written with seeks), then in chunks."""
    handle = tempfile.TemporaryFile()
    try:
        write_workbook(cycle, handle)
        handle.seek(0)
        for data in iter(lambda: handle.read(chunk), b""):
            yield data
    finally:
        handle.close()
