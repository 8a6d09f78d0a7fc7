"""Configuration from the environment, and the database settings fieldcheck relies on."""

import pytest
import sqlalchemy as sa

from fieldcheck.config import ConfigError, load_config


def test_settings_come_from_fieldcheck_variables(tmp_path):
    config = load_config(str(tmp_path), {
        "FIELDCHECK_DATABASE_URL": "postgresql://u@db/fc", "FIELDCHECK_SECRET_KEY": "k",
        "FIELDCHECK_UPLOAD_FOLDER": "/srv/uploads", "FIELDCHECK_MAX_UPLOAD_MB": "8"})
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db/fc"
    assert config["UPLOAD_FOLDER"] == "/srv/uploads"
    assert config["MAX_CONTENT_LENGTH"] == 8 * 1024 * 1024
    assert load_config(str(tmp_path), {})["SQLALCHEMY_DATABASE_URI"].endswith("fieldcheck.sqlite3")


def test_production_refuses_to_start_without_a_secret(tmp_path):
    with pytest.raises(ConfigError, match="FIELDCHECK_SECRET_KEY"):
        load_config(str(tmp_path), {"FIELDCHECK_ENV": "production"})
    with pytest.raises(ConfigError, match="FIELDCHECK_MAX_UPLOAD_MB"):
        load_config(str(tmp_path), {"FIELDCHECK_MAX_UPLOAD_MB": "lots"})


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path):
    import fieldcheck.db  # noqa: F401  (installs the connect hook)

    engine = sa.create_engine(f"sqlite:///{tmp_path / 'x.sqlite3'}")
    with engine.connect() as conn:
        assert conn.execute(sa.text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(sa.text("PRAGMA foreign_keys")).scalar() == 1
    engine.dispose()


def test_migrations_match_the_models(app):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from fieldcheck.extensions import db

    with app.app_context():
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
    assert diff == []


def test_every_page_carries_a_strict_content_security_policy(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_photo_inspect_is_a_fieldcheck_command(runner):
    from pathlib import Path

    photo = Path(__file__).parent / "fixtures" / "photos" / "gps_DSCN0010.jpg"
    result = runner.invoke(args=["photo", "inspect", str(photo), "--json"])
    assert result.exit_code == 0, result.output
    assert "43.46" in result.output


def test_behind_a_proxy_the_client_address_comes_from_its_header(tmp_path):
    from flask import request

    from fieldcheck import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x", "UPLOAD_FOLDER": str(tmp_path),
                      "PROXY_HOPS": 1})
    seen = {}

    @app.before_request
    def note():
        seen["addr"] = request.remote_addr

    app.test_client().get("/login", headers={"X-Forwarded-For": "203.0.113.7"})
    assert seen["addr"] == "203.0.113.7"


@pytest.mark.parametrize("value", ["prod", "staging", "Production ist"])
def test_an_unknown_environment_refuses_to_start_and_names_the_allowed_values(tmp_path, value):
    with pytest.raises(ConfigError, match=r"FIELDCHECK_ENV=.*development, production, testing"):
        load_config(str(tmp_path), {"FIELDCHECK_ENV": value, "FIELDCHECK_SECRET_KEY": "k"})
    with pytest.raises(ConfigError, match=r"FIELDCHECK_LANG=.*zh, en"):
        load_config(str(tmp_path), {"FIELDCHECK_LANG": "fr"})
    # the same words in another case are the same setting
    assert load_config(str(tmp_path), {"FIELDCHECK_ENV": " Production", "FIELDCHECK_SECRET_KEY": "k"})[
        "FIELDCHECK_ENV"] == "production"
    assert load_config(str(tmp_path), {"FIELDCHECK_ENV": "testing"})["TESTING"] is True


def test_an_unknown_environment_given_to_the_factory_is_refused_too(tmp_path):
    from fieldcheck import create_app

    with pytest.raises(ConfigError, match="FIELDCHECK_ENV"):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x", "UPLOAD_FOLDER": str(tmp_path),
                    "FIELDCHECK_ENV": "prod"})


def session_cookie(app) -> str:
    """The Set-Cookie header of the session a visitor gets with the login form (its CSRF token)."""
    response = app.test_client().get("/login")
    assert response.status_code == 200
    cookies = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]
    assert len(cookies) == 1
    return cookies[0]


def test_production_session_cookies_are_secure_and_same_site(tmp_path, monkeypatch):
    from fieldcheck import create_app

    monkeypatch.setenv("FIELDCHECK_ENV", "production")
    monkeypatch.setenv("FIELDCHECK_SECRET_KEY", "a fixed secret")
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "UPLOAD_FOLDER": str(tmp_path)})
    assert app.config["SESSION_COOKIE_SECURE"] is True and app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    cookie = session_cookie(app)
    assert "Secure" in cookie and "SameSite=Lax" in cookie and "HttpOnly" in cookie
    # the choice of language is kept over https only as well
    lang = app.test_client().get("/lang/en").headers.getlist("Set-Cookie")
    assert any(c.startswith("lang=en") and "Secure" in c for c in lang)
    # production named by the factory's overrides gets the same cookies
    monkeypatch.delenv("FIELDCHECK_ENV")
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "UPLOAD_FOLDER": str(tmp_path),
                      "FIELDCHECK_ENV": "production", "SESSION_COOKIE_SECURE": False})
    assert "Secure" in session_cookie(app)


def test_development_cookies_are_same_site_but_not_https_only(tmp_path, monkeypatch):
    from fieldcheck import create_app

    monkeypatch.delenv("FIELDCHECK_ENV", raising=False)
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x", "UPLOAD_FOLDER": str(tmp_path)})
    cookie = session_cookie(app)
    assert "SameSite=Lax" in cookie and "HttpOnly" in cookie and "Secure" not in cookie


@pytest.mark.parametrize(("lang", "expected"), [("en", "There is no cycle nope."), ("zh", "没有考核批次 nope。")])
def test_command_line_messages_follow_fieldcheck_lang_read_with_the_config(database_url, tmp_path, monkeypatch,
                                                                          lang, expected):
    from fieldcheck import create_app

    monkeypatch.setenv("FIELDCHECK_LANG", lang)
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "x", "UPLOAD_FOLDER": str(tmp_path)})
    assert app.config["FIELDCHECK_LANG"] == lang
    # changing the environment afterwards changes nothing: the setting was read once, with the others
    monkeypatch.setenv("FIELDCHECK_LANG", "en" if lang == "zh" else "zh")
    result = app.test_cli_runner().invoke(args=["export", "nope"])
    assert result.exit_code != 0 and expected in result.output
    from fieldcheck.extensions import db

    with app.app_context():
        db.engine.dispose()


def test_the_api_rate_limit_is_read_and_checked_at_start(tmp_path):
    assert load_config(str(tmp_path), {"FIELDCHECK_API_RATE_LIMIT": " 50 per minute "})["API_RATE_LIMIT"] == \
        "50 per minute"
    with pytest.raises(ConfigError, match="FIELDCHECK_API_RATE_LIMIT"):
        load_config(str(tmp_path), {"FIELDCHECK_API_RATE_LIMIT": "lots"})


def test_an_old_sqlite_is_refused_with_a_clear_message():
    from fieldcheck.db import check_sqlite_version

    check_sqlite_version((3, 35, 0))
    check_sqlite_version((3, 40, 1))
    with pytest.raises(RuntimeError, match="SQLite 3.35.0 or newer.*3.31.1"):
        check_sqlite_version((3, 31, 1))
