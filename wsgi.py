"""WSGI entry point: `gunicorn wsgi:app`."""

from fieldcheck import create_app

app = create_app()
