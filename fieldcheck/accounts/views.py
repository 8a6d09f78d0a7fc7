"""Signing in and out, and choosing the language."""

from __future__ import annotations

from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app, make_response, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from werkzeug.security import check_password_hash, generate_password_hash
from wtforms.validators import DataRequired, Length

from ..access import ROLES, public, roles_required
from ..audit.models import record
from ..config import LANGUAGES
from ..extensions import db, limiter
from ..web import keep_changes
from .blueprint import bp
from .models import User
from .operations import end_sessions

class LoginForm(FlaskForm):
    username = StringField(_l("User name"), validators=[DataRequired(), Length(max=64)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])


def safe_next(target: str | None, fallback: str) -> str:
    """Only follow local paths after sign-in, never another site."""
    if target and not urlsplit(target).netloc and not urlsplit(target).scheme and target.startswith("/") \
            and not target.startswith("//"):
        return target
    return fallback


def home_for(user) -> str:
    if user.has_role("examiner"):
        return url_for("field.my_tasks")
    if user.has_role("reviewer"):
        return url_for("review.queue")
    if user.has_role("unit"):
        return url_for("rectification.mine")
    return url_for("cycles.index")


# Checked when the user name is unknown, so a wrong name takes as long as a wrong password.
_DUMMY_HASH = None


def _password_ok(user, password: str) -> bool:
    global _DUMMY_HASH
    if user is None or not user.is_active:
        if _DUMMY_HASH is None:
            _DUMMY_HASH = generate_password_hash("not a password", method="scrypt")
        check_password_hash(_DUMMY_HASH, password)
        return False
    return user.check_password(password)


@bp.route("/login", methods=["GET", "POST"])
@public
# Only failed attempts count (a sign-in that succeeds redirects): per user name, so guessing one
# account from many addresses is slowed, and per address; the window is a minute, after which the
# right password works again. Shared by every worker when FIELDCHECK_RATELIMIT_STORAGE is Redis.
@limiter.limit("5 per minute", key_func=lambda: "login-name:" + (request.form.get("username") or "").strip().lower(),
               methods=["POST"], deduct_when=lambda response: response.status_code != 302)
@limiter.limit("20 per minute", methods=["POST"], deduct_when=lambda response: response.status_code != 302)
def login():
    """Sign in with user name and password."""
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        user = db.session.scalar(sa.select(User).where(User.username == form.username.data.strip()))
        if _password_ok(user, form.password.data):
            session.permanent = True  # renewed on every request, ends a week after the last one
            login_user(user)
            record("user.login", "user", user.username, actor=user)
            return redirect(safe_next(request.args.get("next"), home_for(user)))
        error = _("Wrong user name or password.")
        # On file although the answer is an error (no password, no address is recorded).
        record("user.login_failed", "user", form.username.data.strip()[:64], actor=None,
               after={"known_user": user is not None})
        keep_changes()
    return render_template("accounts/login.html", form=form, error=error), (401 if error else 200)


@bp.route("/logout", methods=["POST"])
@roles_required(*ROLES)
def logout():
    """Sign out everywhere: every copy of this session stops working."""
    user = current_user._get_current_object()
    end_sessions(user)
    record("user.logout", "user", user.username, actor=user)
    logout_user()
    return redirect(url_for("public.index"))


@bp.route("/lang/<code>")
@public
def set_language(code: str):
    """Switch the interface between Chinese and English (remembered in a cookie)."""
    response = make_response(redirect(safe_next(request.args.get("next"), url_for("public.index"))))
    if code in LANGUAGES:
        # Over https only in production, like the session cookie.
        response.set_cookie("lang", code, max_age=365 * 24 * 3600, samesite="Lax",
                            secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")))
    return response
