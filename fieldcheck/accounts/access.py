"""Route access declarations: every view says who may use it, or the app refuses to start."""

from __future__ import annotations

import functools

from flask import abort, jsonify, redirect, request, url_for
from flask_login import current_user

PUBLIC = frozenset({"public"})
from .models import ROLES  # noqa: E402  (re-exported for views)
ROLES_ATTR = "fieldcheck_roles"


def wants_json() -> bool:
    """True for the page scripts' API calls, which get JSON errors instead of pages."""
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def public(view):
    """Mark a view as open to anyone, signed in or not."""
    setattr(view, ROLES_ATTR, PUBLIC)
    return view


def roles_required(*roles: str):
    """Allow the view to people holding at least one of `roles`."""
    if not roles:
        raise ValueError("roles_required needs at least one role")

    def decorate(view):
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                if wants_json():
                    return jsonify(error="login_required"), 401
                return redirect(url_for("accounts.login", next=request.full_path))
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        setattr(wrapped, ROLES_ATTR, frozenset(roles))
        return wrapped

    return decorate


def undeclared_routes(app) -> list[str]:
    """Endpoints whose view declares no access rule (static files excepted)."""
    return sorted(
        endpoint
        for endpoint, view in app.view_functions.items()
        if endpoint != "static" and not hasattr(view, ROLES_ATTR)
    )
