"""Configuration from FIELDCHECK_* environment variables, read when the app is built."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# name -> (config key, converter). Documented in the README.
ENV_SETTINGS = {
    "FIELDCHECK_DATABASE_URL": ("SQLALCHEMY_DATABASE_URI", str),
    "FIELDCHECK_SECRET_KEY": ("SECRET_KEY", str),
    "FIELDCHECK_UPLOAD_FOLDER": ("UPLOAD_FOLDER", str),
    "FIELDCHECK_MAX_UPLOAD_MB": ("MAX_UPLOAD_MB", float),
    "FIELDCHECK_ENV": ("FIELDCHECK_ENV", str),
    "FIELDCHECK_PROXY_HOPS": ("PROXY_HOPS", int),
    "FIELDCHECK_RATELIMIT_STORAGE": ("RATELIMIT_STORAGE_URI", str),
}


class ConfigError(RuntimeError):
    """A setting is missing or malformed; the app refuses to start."""


def load_config(instance_path: str, environ: dict[str, str] | None = None) -> dict:
    """Return the settings: defaults, overridden by FIELDCHECK_* variables."""
    env = os.environ if environ is None else environ
    config: dict = {
        "SQLALCHEMY_DATABASE_URI": "sqlite:///" + str(Path(instance_path) / "fieldcheck.sqlite3"),
        "UPLOAD_FOLDER": str(PROJECT_ROOT / "uploads"),
        "MAX_UPLOAD_MB": 25.0,
        "FIELDCHECK_ENV": "development",
        "SECRET_KEY": None,
    }
    for name, (key, convert) in ENV_SETTINGS.items():
        raw = env.get(name)
        if raw is None or raw == "":
            continue
        try:
            config[key] = convert(raw)
        except ValueError as exc:
            raise ConfigError(f"{name} is not valid: {raw!r}") from exc
    if config["MAX_UPLOAD_MB"] <= 0:
        raise ConfigError("FIELDCHECK_MAX_UPLOAD_MB must be positive")
    if not config["SECRET_KEY"]:
        if config["FIELDCHECK_ENV"] == "production":
            raise ConfigError("FIELDCHECK_SECRET_KEY must be set in production")
        # Development only: a per-process key means sessions end on restart.
        config["SECRET_KEY"] = secrets.token_hex(32)
    url = config["SQLALCHEMY_DATABASE_URI"]
    if url.startswith("postgresql://"):
        # Use psycopg 3, the driver pyproject installs.
        config["SQLALCHEMY_DATABASE_URI"] = "postgresql+psycopg://" + url[len("postgresql://"):]
    config["MAX_CONTENT_LENGTH"] = int(config["MAX_UPLOAD_MB"] * 1024 * 1024)
    return config
