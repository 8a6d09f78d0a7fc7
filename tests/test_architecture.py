"""The layers of the package are contracts, checked by import-linter on every test run."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def lint_imports(config: Path, cwd: Path) -> subprocess.CompletedProcess:
    """Run lint-imports (its console script's module) on the tree at `cwd`."""
    code = ("import sys; from importlinter.cli import lint_imports; "
            f"sys.exit(lint_imports(config_filename={str(config)!r}, no_cache=True))")
    env = {**os.environ, "PYTHONPATH": str(cwd)}
    return subprocess.run([sys.executable, "-c", code], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=300)


def test_the_import_contracts_hold():
    result = lint_imports(ROOT / "pyproject.toml", ROOT)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "0 broken" in result.stdout


def test_the_contracts_name_every_area_and_every_view_module():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["tool"]["importlinter"]["contracts"]
    layers = " ".join(next(c for c in config if c["type"] == "layers")["layers"])
    areas = sorted(p.name for p in (ROOT / "fieldcheck").iterdir()
                   if p.is_dir() and (p / "__init__.py").exists() and p.name not in ("migrations", "translations"))
    assert [a for a in areas if f"fieldcheck.{a}" not in layers] == []
    views = {".".join(p.relative_to(ROOT).with_suffix("").parts) for p in (ROOT / "fieldcheck").rglob("*.py")
             if p.name.endswith("views.py") or p.name == "api.py"}
    independent = set(next(c for c in config if c["type"] == "independence")["modules"])
    assert views - independent == set()


def test_a_contract_breaks_when_an_area_imports_upwards(tmp_path):
    """The contracts can fail: a copy of the package where cycles imports a view of reports is refused."""
    import shutil

    shutil.copytree(ROOT / "fieldcheck", tmp_path / "fieldcheck",
                    ignore=shutil.ignore_patterns("__pycache__", "translations", "migrations"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    models = tmp_path / "fieldcheck" / "cycles" / "models.py"
    models.write_text(models.read_text("utf-8") + "\nfrom ..reports import views as _upwards  # noqa\n", "utf-8")
    result = lint_imports(tmp_path / "pyproject.toml", tmp_path)
    assert result.returncode != 0
    assert "fieldcheck.cycles is not allowed to import fieldcheck.reports" in result.stdout
