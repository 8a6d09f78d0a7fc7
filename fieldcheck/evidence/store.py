"""The app's photo store, chosen once from the settings (FIELDCHECK_STORAGE_URL) when the app is built."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, current_app

from .storage import PhotoStore, open_store

EXTENSION = "fieldcheck.photos"


def init_photo_store(app: Flask) -> None:
    try:
        app.extensions[EXTENSION] = open_store(app.config.get("STORAGE_URL"), Path(app.config["UPLOAD_FOLDER"]),
                                               app.config.get("S3_ACCESS_KEY"), app.config.get("S3_SECRET_KEY"))
    except ValueError as exc:
        raise RuntimeError(f"FIELDCHECK_STORAGE_URL: {exc}") from None


def photo_store() -> PhotoStore:
    return current_app.extensions[EXTENSION]
