"""Route access: every view declares who may use it, and loads the objects it acts on with the check.

Two kinds of declaration, as in votingworks/arlo's `restrict_access`:

- `roles_required(...)` / `public` / `token_required(...)`: who may open the route at all — people
  by role, anyone, or a machine client presenting an API token (/api/v1; no session, no cookie).
  The app refuses to start when a route declares none of them (`undeclared_routes`).
- `loads(name, loader, *params)`: take the URL parameters, load the object, and check that this
  person may use it. The loader returns the object, or None (404); it aborts with 403 itself when
  the object exists but is not this person's to see. The view receives the object, never the id,
  so no view re-implements ownership.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import abort, g, jsonify, redirect, request, url_for
from flask_login import current_user

PUBLIC = frozenset({"public"})
TOKEN = frozenset({"api_token"})  # the read API: a bearer token, never a person's session
# `unit`: a reporting unit's contact (述职单位联络员), bound to one unit and seeing only its own things.
ROLES = ("organizer", "examiner", "reviewer", "unit")
ROLES_ATTR = "fieldcheck_roles"


def wants_json() -> bool:
    """True for the page scripts' API calls and JSON downloads, which get JSON errors instead of pages."""
    return (request.path.startswith("/api/") or request.path.endswith(".json")
            or request.accept_mimetypes.best == "application/json")


def public(view):
    """Mark a view as open to anyone, signed in or not."""
    setattr(view, ROLES_ATTR, PUBLIC)
    return view


def roles_required(*roles: str):
    """Allow the view to people holding at least one of `roles`."""
    if not roles or set(roles) - set(ROLES):
        raise ValueError(f"roles_required needs roles among {ROLES}")

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


def token_required(authenticate: Callable[[], Any]):
    """Allow the view to requests whose API token `authenticate()` accepts (it raises to refuse).

    The accepted token is kept in `g.api_token` for the loaders and the audit of the request.
    """

    def decorate(view):
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            g.api_token = authenticate()
            return view(*args, **kwargs)

        setattr(wrapped, ROLES_ATTR, TOKEN)
        return wrapped

    return decorate


def loads(name: str, loader: Callable[..., Any], *params: str):
    """Replace the URL parameters `params` by the object `loader(*values)` under the keyword `name`.

    Put it below `roles_required`: the role is checked first, then the object and this person's
    right to it. `loader` returns None for "no such object" (404) and aborts 403 itself.
    """

    def decorate(view):
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            values = [kwargs.pop(p) for p in params]
            obj = loader(*values)
            if obj is None:
                abort(404)
            kwargs[name] = obj
            return view(*args, **kwargs)

        return wrapped

    return decorate


def deny() -> None:
    """Refuse: the object exists, but this person may not use it."""
    abort(403)


def undeclared_routes(app) -> list[str]:
    """Endpoints whose view declares no access rule (static files excepted)."""
    return sorted(
        endpoint
        for endpoint, view in app.view_functions.items()
        if endpoint != "static" and not hasattr(view, ROLES_ATTR)
    )
