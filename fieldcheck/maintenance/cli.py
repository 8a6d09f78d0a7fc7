"""`fieldcheck backup create|verify|restore DIR` and `fieldcheck doctor [--fix]`."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import gettext as _

from ..commands import CommandError
from ..evidence.store import photo_store
from .backup import BackupError, create_backup, restore_backup, verify_backup
from .doctor import examine

backup_cli = click.Group("backup", help="Backups of the database and the photos, with a manifest of hashes.")


def backup_error_text(exc: BackupError) -> str:
    messages = {
        "target_not_empty": _("%(path)s is not empty: back up into a new directory, restore into an empty instance."),
        "dump_failed": _("pg_dump failed: %(detail)s"),
        "restore_failed": _("pg_restore failed: %(detail)s"),
        "unsupported_database": _("Backups of %(kind)s databases are not supported."),
        "damaged": _("The backup is damaged (%(problem)s: %(path)s); nothing was restored."),
        "wrong_database": _("The backup is of a %(kind)s database; this instance uses %(here)s."),
    }
    return messages.get(exc.code, exc.code) % exc.figures




@backup_cli.command("create")
@click.argument("directory", type=click.Path(file_okay=False))
@with_appcontext
def backup_create(directory):
    """Back up the database (a consistent snapshot) and every photo into DIRECTORY, with a manifest."""
    try:
        manifest = create_backup(Path(directory), photo_store())
    except BackupError as exc:
        raise CommandError(backup_error_text(exc)) from None
    click.echo(_("Backed up: the database and %(n)d files; audit chain head %(seq)d.",
                 n=len(manifest["files"]), seq=manifest["audit_head"]["seq"]))


@backup_cli.command("verify")
@click.argument("directory", type=click.Path(exists=True, file_okay=False))
@with_appcontext
def backup_verify(directory):
    """Check every file of a backup against its manifest; exit 0 only when all match."""
    manifest, problems = verify_backup(Path(directory))
    if problems:
        raise CommandError(_("The backup is damaged: %(problems)s.",
                             problems="; ".join(f"{p.code} {p.path}" for p in problems[:10])))
    click.echo(_("The backup is whole: the database and %(n)d files match the manifest.", n=len(manifest["files"])))


@backup_cli.command("restore")
@click.argument("directory", type=click.Path(exists=True, file_okay=False))
@with_appcontext
def backup_restore(directory):
    """Restore a backup into this instance, whose database and upload folder must be empty."""
    try:
        manifest = restore_backup(Path(directory), photo_store())
    except BackupError as exc:
        raise CommandError(backup_error_text(exc)) from None
    click.echo(_("Restored: the database and %(n)d files. Run “fieldcheck audit verify” to check the trail.",
                 n=len(manifest["files"])))


@click.command("doctor")
@click.option("--fix", is_flag=True, help="Remove what is provably orphaned; render missing thumbnails again")
@with_appcontext
def doctor(fix):
    """Check the database, the upload folder and the audit chain against each other."""
    report = examine(photo_store(), current_app.extensions["migrate"].directory, fix=fix)
    labels = {
        "photo_missing": _("photo without its file"), "derived_missing": _("display copy or thumbnail missing"),
        "orphan_file": _("file without a photo"), "partial_file": _("partial file left by an interrupted write"),
        "audit_chain": _("audit trail altered"), "migrations": _("database schema not up to date"),
        "latest_visit": _("task names the wrong latest visit"),
        "unplanned": _("open task on no day route"),
    }
    for finding in report.findings:
        state = _("fixed") if finding.fixed else _("found")
        click.echo(f"{state}\t{labels[finding.code]}\t{finding.subject}")
    if not report.healthy:
        raise CommandError(_("%(n)d problems need attention.", n=sum(not f.fixed for f in report.findings)))
    click.echo(_("Everything is in order."))
