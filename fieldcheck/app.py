"""The application factory."""

from __future__ import annotations

import math
import os
import time
from pathlib import Path

from flask import Flask, current_app, g, has_request_context, jsonify, render_template, request
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.middleware.proxy_fix import ProxyFix
from zoneinfo import ZoneInfo

from . import models  # noqa: F401  (registers every table)
from .access import undeclared_routes, wants_json
from .accounts import people_views, views  # noqa: F401  (add their routes to the accounts blueprint)
from .accounts.blueprint import bp as accounts_bp
from .accounts.models import User
from .cli import register_commands
from .config import LANGUAGES, PROJECT_ROOT, cli_language, environment_settings, load_config
from .cycles.defaults import TIME_ZONE
from .cycles.views import bp as cycles_bp
from .db import utcnow
from .dashboard.views import bp as dashboard_bp
from .errors import OperationError
from .evidence.store import init_photo_store
from .export.views import bp as export_bp
from .export.views import public_bp as export_public_bp
from .extensions import babel, compress, csrf, db, limiter, login_manager, migrate
from .field.api import bp as field_api_bp
from .field.shell import bp as shell_bp
from .field.shell import init_static
from .field.strings import client_json
from .api.token_views import bp as api_tokens_bp
from .api.views import bp as api_v1_bp
from .ballots.views import bp as ballots_bp
from .grading.views import bp as grading_bp
from .field.views import bp as field_bp
from .guard import init_guard
from .audit.chain import init_audit_chain
from .places.views import bp as places_bp
from .public.views import bp as public_bp
from .rectification.views import bp as rectification_bp
from .reports import claim_views  # noqa: F401  (add their routes to the reports blueprint)
from .reports import views as report_views  # noqa: F401
from .reports import draft_views  # noqa: F401  (add their routes to the reports blueprint)
from .reports.blueprint import bp as reports_bp
from .residents.views import bp as residents_bp
from .review.evidence import metres
from .review.evidence import local_time
from .review.views import bp as review_bp
from .sampling.api import bp as sampling_api_bp
from .sampling.views import bp as sampling_bp
from .scores.views import bp as scores_bp
from .web import init_transactions, refuse

CSP = ("default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; "
       "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
MIGRATIONS_DIR = str(Path(__file__).parent / "migrations")
# Pages, the pack and scripts go out compressed when the browser asks (brotli first): a village's
# 2G link carries a few kilobytes a second. Hashed static files come precompressed (field/shell.py).
COMPRESS_MIMETYPES = ["text/html", "text/css", "text/javascript", "application/javascript", "application/json",
                      "application/manifest+json", "image/svg+xml", "text/csv", "text/plain"]


def select_locale() -> str:
    """Chinese unless the person chose English (a cookie; on the command line, FIELDCHECK_LANG)."""
    if not has_request_context():
        return cli_language(current_app.config)
    chosen = request.cookies.get("lang")
    return chosen if chosen in LANGUAGES else LANGUAGES[0]


def build_app(test_config: dict | None = None) -> Flask:
    """Create and configure the app; test_config overrides the environment."""
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    app.config.update(load_config(app.instance_path))
    if test_config:
        app.config.update(test_config)
        if "MAX_UPLOAD_MB" in test_config:
            app.config["MAX_CONTENT_LENGTH"] = int(test_config["MAX_UPLOAD_MB"] * 1024 * 1024)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(Path(__file__).parent / "translations"))
    app.config.setdefault("BABEL_DEFAULT_LOCALE", "zh")
    app.config.setdefault("RATELIMIT_STORAGE_URI", "memory://")
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)  # Retry-After on every 429
    # Said for every app: Flask-Limiter's one extension object otherwise keeps the last app's choice.
    app.config.setdefault("RATELIMIT_ENABLED", True)
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)  # a form filled over a long visit must still submit
    app.config.setdefault("COMPRESS_ALGORITHM", ["br", "gzip"])
    app.config.setdefault("COMPRESS_MIMETYPES", COMPRESS_MIMETYPES)
    app.config.setdefault("COMPRESS_BR_LEVEL", 5)
    app.config.setdefault("COMPRESS_STREAMS", False)  # files sent as files are photos (JPEG) and downloads
    # What FIELDCHECK_ENV decides holds even when test_config changed the environment.
    app.config.update(environment_settings(app.config))

    if app.config.get("PROXY_HOPS"):
        # Behind nginx or Caddy: take the client address and scheme from the proxy's headers,
        # so rate limits count people, not the proxy, and QR links use https.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["PROXY_HOPS"],
                                x_proto=app.config["PROXY_HOPS"], x_host=app.config["PROXY_HOPS"])
    os.makedirs(app.instance_path, exist_ok=True)
    os.makedirs(app.config["UPLOAD_FOLDER"], exist_ok=True)

    init_photo_store(app)
    db.init_app(app)
    migrate.init_app(app, db, directory=MIGRATIONS_DIR, render_as_batch=True)
    init_guard(app)  # before CSRF: its check reads the form, which the guard must see first
    csrf.init_app(app)
    compress.init_app(app)
    init_static(app)
    limiter.init_app(app)
    if app.config.get("TESTING"):
        limiter.reset()  # each test app starts with fresh counters
    babel.init_app(app, locale_selector=select_locale)
    _init_login(app)
    init_audit_chain()
    _register_blueprints(app)
    _register_errors(app)
    _register_template_helpers(app)
    init_transactions(app)
    register_commands(app)

    missing = undeclared_routes(app)
    if missing:
        raise RuntimeError(f"routes without an access declaration: {missing}")
    return app


def _init_login(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = None

    @login_manager.user_loader
    def load_user(session_id: str):
        """The user of a session cookie, if the cookie is from their current session (see User.get_id)."""
        user_id, _dot, version = session_id.partition(".")
        if not (user_id.isdigit() and version.isdigit()) or int(user_id) > 2**31 - 1:
            return None
        user = db.session.get(User, int(user_id))
        return user if user is not None and user.session_version == int(version) else None


def _register_blueprints(app: Flask) -> None:
    for bp in (shell_bp, public_bp, accounts_bp, places_bp, cycles_bp, dashboard_bp, reports_bp, sampling_bp, field_bp,
               field_api_bp, sampling_api_bp, residents_bp, review_bp, scores_bp, ballots_bp,
               grading_bp, rectification_bp, export_bp, export_public_bp, api_v1_bp, api_tokens_bp):
        app.register_blueprint(bp)


def _error(status: int, message: str, code: str, **page):
    if wants_json():
        return jsonify(error=code, message=message), status
    return render_template("error.html", status=status, message=message, **page), status


def _register_errors(app: Flask) -> None:
    @app.errorhandler(OperationError)
    def refused(exc: OperationError):
        """The one place a refused change becomes a response: JSON for the API, a page otherwise."""
        refuse(exc)
        return _error(exc.status, exc.message, exc.code)

    @app.errorhandler(CSRFError)
    def csrf_error(exc):
        return _error(400, _("The form expired or was sent from elsewhere. Go back, reload the page and try again."), "csrf")

    @app.errorhandler(413)
    def too_large(exc):
        limit = app.config["MAX_UPLOAD_MB"]
        return _error(413, _("The upload is too large: the limit is %(mb)s MB.", mb=f"{limit:g}"), "too_large")

    @app.errorhandler(429)
    def too_many(exc):
        current = limiter.current_limit
        minutes = max(1, math.ceil((current.reset_at - time.time()) / 60)) if current else None
        return _error(429, _("Too many messages from your connection; please try again later."), "rate_limited",
                      retry_minutes=minutes)

    @app.errorhandler(403)
    def forbidden(exc):
        return _error(403, _("You may not open this page with your roles."), "forbidden")

    @app.errorhandler(404)
    def not_found(exc):
        return _error(404, _("There is nothing at this address."), "not_found")

    @app.errorhandler(405)
    def method_not_allowed(exc):
        response = _error(405, _("This address does not take this kind of request."), "method_not_allowed")
        return response[0], 405, {"Allow": ", ".join(exc.valid_methods or [])}

    @app.errorhandler(400)
    def bad_request(exc):
        return _error(400, _("The request could not be understood."), "bad_request")

    @app.errorhandler(500)
    def server_error(exc):
        db.session.rollback()
        return _error(500, _("Something went wrong on the server; nothing was saved. Try again."), "server_error")


def _register_template_helpers(app: Flask) -> None:
    @app.template_filter("localtime")
    def localtime(value, cycle=None) -> str:
        """A UTC time as people there read it: the cycle's local time (Asia/Shanghai by default)."""
        zone = (cycle.time_zone if cycle is not None else None) or TIME_ZONE
        if value is None:
            return "—"
        label = _("Beijing time") if zone == TIME_ZONE else zone
        return f"{local_time(value, ZoneInfo(zone))} {label}"

    @app.template_filter("figure")
    def figure(value, key: str = ""):
        """A flag's figure for people: whole metres, short hashes, minutes not microseconds."""
        if isinstance(value, bool) or value is None:
            return "—" if value is None else str(value)
        if isinstance(value, (int, float)):
            return f"{value:,.0f}" if abs(value) >= 100 else f"{value:g}"
        text = str(value)
        if key in ("photo", "other_photo") and len(text) == 64:
            return text[:12] + "…"
        if key == "reference":
            return _("the geotag") if text == "geotag" else _("the place") if text == "place" else text
        if len(text) >= 19 and text[4] == "-" and text[10] == "T":
            return text[:16].replace("T", " ") + (" UTC" if text.endswith("+00:00") else "")
        return text

    app.add_template_filter(lambda value: "—" if value is None else metres(value), "metres")
    app.add_template_global(client_json, "client_json")

    @app.template_filter("age")
    def age(moment) -> str:
        """How long ago, in the largest whole unit: minutes, hours or days."""
        if moment is None:
            return "—"
        seconds = max((utcnow() - moment).total_seconds(), 0)
        if seconds >= 86400:
            return _("%(n)s d", n=int(seconds // 86400))
        if seconds >= 3600:
            return _("%(n)s h", n=int(seconds // 3600))
        return _("%(n)s min", n=int(seconds // 60))

    @app.context_processor
    def inject():
        return {"locale": str(get_locale() or "zh")}

    @app.before_request
    def remember_locale():
        g.locale = select_locale()

    @app.after_request
    def security_headers(response):
        # Everything is served by the app itself, so the policy can be strict.
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        return response
