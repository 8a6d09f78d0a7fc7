"""`fieldcheck photo inspect FILE... [--json]`: what ingest makes of each file, without the app.

Exit status 0 when every file was accepted, 1 otherwise (a file that cannot be read counts as
refused, with code ``unreadable``).
"""

from __future__ import annotations

import dataclasses
import json
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from fieldcheck.evidence.photos import PhotoFacts, PhotoRejected, ingest_photo

_BYTES_FIELDS = frozenset({"display_jpeg", "thumb_jpeg"})


def facts_record(file: str, facts: PhotoFacts) -> dict[str, Any]:
    """Every PhotoFacts field except the rendered JPEG bytes; datetimes in ISO 8601."""
    record: dict[str, Any] = {"file": file}
    for item in dataclasses.fields(facts):
        if item.name in _BYTES_FIELDS:
            continue
        value = getattr(facts, item.name)
        record[item.name] = value.isoformat() if isinstance(value, datetime) else value
    return record


def inspect_file(path: str) -> dict[str, Any]:
    """The facts of one file, or {"file", "refused": code, "detail"}."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        return {"file": path, "refused": "unreadable", "detail": f"{type(exc).__name__}: {exc.strerror or exc}"}
    try:
        return facts_record(path, ingest_photo(data))
    except PhotoRejected as exc:
        return {"file": path, "refused": exc.code, "detail": exc.detail}


photo_cli = click.Group("photo", help="Photo evidence.")


@photo_cli.command("inspect")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="One JSON array of records.")
@click.pass_context
def inspect_command(ctx: click.Context, files: tuple[str, ...], as_json: bool) -> None:
    """Print each photo's facts (time, GPS, camera, size, hashes) or why it is refused."""
    records = [inspect_file(path) for path in files]
    if as_json:
        click.echo(json.dumps(records, ensure_ascii=False, indent=2))
    else:
        for record in records:
            click.echo(_as_text(record))
    ctx.exit(0 if all("refused" not in r for r in records) else 1)


def _as_text(record: dict[str, Any]) -> str:
    head = record["file"]
    if "refused" in record:
        return f"{head}: REFUSED {record['refused']} ({record['detail']})"
    lines = [f"{head}: OK"]
    lines += [f"  {key}: {'-' if value is None else value}" for key, value in record.items() if key != "file"]
    return "\n".join(lines)
