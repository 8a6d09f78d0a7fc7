"""`fieldcheck export`: a cycle's tables as CSV/JSON, the signed package (directory or ZIP), the XLSX;
`fieldcheck export verify PATH` checks a package.

    fieldcheck export CODE [--format csv|json] [--level report|claim|<table>] [-o FILE]
    fieldcheck export CODE --format package -o DIR|FILE.zip
    fieldcheck export CODE --format xlsx -o FILE.xlsx
    fieldcheck export verify PATH [--public-key KEY]
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import with_appcontext

from ..commands import CommandError, lookup
from ..cycles.operations import get_cycle
from .downloads import LEVELS, csv_chunks, json_chunks, table_for
from .package import row_counts, write_directory, write_workbook, write_zip
from .signing import existing_key, raw_public_key
from .streaming import read_snapshot
from .verify_package import Failure, verify


class ExportGroup(click.Group):
    """`export CODE …` exports a cycle; `export verify PATH` checks a package."""

    def parse_args(self, ctx, args):
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h"):
            args = ["cycle", *args]
        return super().parse_args(ctx, args)


@click.group("export", cls=ExportGroup)
def export_cli():
    """Export a cycle (CODE) or check a package (verify PATH)."""


class _Progress:
    """A progress bar on stderr over every table's rows (counted first, one statement per table)."""

    def __init__(self, counts: dict[str, int]):
        self.bar = click.progressbar(length=max(sum(counts.values()), 1), label="export", file=sys.stderr,
                                     show_pos=True)
        self.done: dict[str, int] = {}

    def __call__(self, table: str, n: int, expected: int) -> None:
        step = n - self.done.get(table, 0)
        self.done[table] = n
        if step > 0:
            self.bar.label = table
            self.bar.update(step)

    def __enter__(self):
        self.bar.__enter__()
        return self

    def __exit__(self, *exc):
        return self.bar.__exit__(*exc)


@export_cli.command("cycle", hidden=True)
@click.argument("code")
@click.option("--format", "fmt", type=click.Choice(["csv", "json", "package", "xlsx"]), default="json",
              show_default=True)
@click.option("--level", type=click.Choice(sorted(LEVELS)), default="report", show_default=True,
              help="csv/json: the table (report = reports, claim = claims)")
@click.option("--output", "-o", type=click.Path(writable=True),
              help="csv/json: a file (default stdout); package: a directory or a .zip file; xlsx: a .xlsx file")
@click.option("--progress/--no-progress", default=None, help="A progress bar (default: when stderr is a terminal)")
@with_appcontext
def export_cycle(code, fmt, level, output, progress):
    """Export a cycle's scores and tables."""
    read_snapshot()
    cycle = lookup(get_cycle, code)
    if fmt in ("csv", "json"):
        table = table_for(level)
        chunks = csv_chunks(cycle, table) if fmt == "csv" else json_chunks(cycle, table, level)
        if output:
            with open(output, "wb") as out:
                for chunk in chunks:
                    out.write(chunk)
        else:
            for chunk in chunks:
                sys.stdout.buffer.write(chunk) if hasattr(sys.stdout, "buffer") else sys.stdout.write(
                    chunk.decode("utf-8"))
        return
    if not output:
        raise CommandError(f"--format {fmt} needs -o ({'DIR or FILE.zip' if fmt == 'package' else 'FILE.xlsx'})")
    show = sys.stderr.isatty() if progress is None else progress
    counts = row_counts(cycle)
    target = Path(output)
    with (_Progress(counts) if show else _Null()) as bar:
        callback = bar if show else None
        try:
            if fmt == "xlsx":
                part = target.with_name(target.name + ".part")
                write_workbook(cycle, part, callback, counts)
                part.replace(target)
            elif target.suffix.lower() == ".zip":
                write_zip(cycle, target, callback, counts)
            else:
                write_directory(cycle, target, callback, counts)
        except FileExistsError as exc:
            raise CommandError(str(exc)) from None
    click.echo(f"{target}\t" + " ".join(f"{name}={n}" for name, n in counts.items()))


class _Null:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


@export_cli.command("verify")
@click.argument("path", type=click.Path(exists=True))
@click.option("--public-key", help="The expected public key (base64, from the public page) or a file with it. "
                                   "Default: this installation's key when it has one, else the key in the package.")
@click.option("--quiet", is_flag=True)
@with_appcontext
def export_verify(path, public_key, quiet):
    """Check every file's SHA-256 and the signature; exit 0 only when all hold."""
    if public_key is None:
        own = existing_key()
        trusted = raw_public_key(own) if own is not None else None
    else:
        trusted = public_key
    try:
        summary = verify(path, trusted, None if quiet else click.echo)
    except Failure as failure:
        click.echo(f"FAILED  {failure.name}: {failure.problem}", err=True)
        sys.exit(1)
    except OSError as exc:
        click.echo(f"FAILED  {path}: {exc}", err=True)
        sys.exit(1)
    click.echo(f"OK  {summary['files']} files and the signature hold; key fingerprint {summary['key_fingerprint']}")
