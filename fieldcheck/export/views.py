"""The export page and its downloads (streamed), the table downloads the scores page offers,
and the public export key with its standalone checker."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, render_template, request

from ..access import public, roles_required
from ..audit.models import record
from ..cycles.access import with_cycle
from ..cycles.models import Cycle
from .downloads import check_format, csv_chunks, json_chunks, table_for
from .package import row_counts, stream_workbook, stream_zip
from .signing import public_key_info, signing_key
from .streaming import streamed
from .tables import TABLES

bp = Blueprint("export", __name__)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.route("/cycles/<code>/export/")
@roles_required("organizer", "reviewer")
@with_cycle
def page(cycle: Cycle):
    """What the package holds (rows per table) and the downloads, with progress while they come."""
    return render_template("export/page.html", cycle=cycle, tables=TABLES, counts=row_counts(cycle),
                           key=public_key_info(create=True))


@bp.route("/cycles/<code>/export/package.zip")
@roles_required("organizer", "reviewer")
@with_cycle
def package_zip(cycle: Cycle):
    """The signed Frictionless package as a ZIP, streamed."""
    signing_key()  # a key that cannot be made or read is refused here, before anything is sent
    record("export.download", "cycle", cycle.code, after={"format": "package"})
    return streamed(cycle, stream_zip, "application/zip", f"fieldcheck-{cycle.code}-package.zip")


@bp.route("/cycles/<code>/export/workbook.xlsx")
@roles_required("organizer", "reviewer")
@with_cycle
def workbook(cycle: Cycle):
    """The same tables as one XLSX workbook."""
    record("export.download", "cycle", cycle.code, after={"format": "xlsx"})
    return streamed(cycle, stream_workbook, XLSX, f"fieldcheck-{cycle.code}.xlsx")


@bp.route("/cycles/<code>/scores/export.<fmt>")
@roles_required("organizer", "reviewer")
@with_cycle
def download(cycle: Cycle, fmt: str):
    """One table as CSV or JSON: `?level=report` (default), `claim`, or any table's name.

    A bad format or level is refused with a message (JSON for `.json`), never an empty file."""
    check_format(fmt)
    level = request.args.get("level", "report")
    table = table_for(level)
    record("export.download", "cycle", cycle.code, after={"format": fmt, "table": table.name})
    filename = f"fieldcheck-{cycle.code}-{level}.{fmt}"
    if fmt == "csv":
        return streamed(cycle, lambda c: csv_chunks(c, table), "text/csv; charset=utf-8", filename)
    return streamed(cycle, lambda c: json_chunks(c, table, level), "application/json", filename)


public_bp = Blueprint("export_public", __name__)


@public_bp.route("/export-key")
@public
def key():
    """The installation's export public key and how to check a package with it."""
    return render_template("export/key.html", key=public_key_info(create=True))


@public_bp.route("/verify_package.py")
@public
def checker():
    """The standalone package checker (Python 3 and the `cryptography` package)."""
    path = Path(__file__).resolve().parent / "verify_package.py"
    return Response(path.read_text("utf-8"), content_type="text/x-python; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="verify_package.py"'})
