"""The app shell's bytes: content-hashed static URLs, cached for a year, and the offline entry points.

- `static_url(filename)` (a Jinja global) names a static file by its content:
  `/static/app.<12 hex>.css`. Such a URL never changes meaning, so it is served with
  `Cache-Control: public, max-age=31536000, immutable` and a phone never re-checks it; a changed
  file gets a new URL. Hashes are computed once per process; a URL whose hash is not the file's
  current one is 404 (it must not be cached under the new content). The compressed copies (br,
  gzip) are made once per process too.
- Plain `/static/<file>` URLs still work, revalidated on every use (`no-cache`, a 304 when unchanged).
- `/sw.js` (scope "/"), `/manifest.webmanifest` and `/favicon.ico` are served from the static
  folder at the root paths browsers ask for. The service worker gets the shell's hashed URLs
  written into its `var SHELL = [];` line, so a new deploy installs a new worker.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import mimetypes
import re
import threading
from pathlib import Path

import brotli
from flask import Blueprint, Flask, Response, abort, current_app, request, url_for
from flask.sessions import SecureCookieSessionInterface
from werkzeug.security import safe_join

from ..access import public

HASH_LEN = 12
HASHED = re.compile(r"^(?P<stem>.+)\.(?P<hash>[0-9a-f]{%d})(?P<ext>\.[A-Za-z0-9]+)$" % HASH_LEN)
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
COMPRESSIBLE = {"text/css", "text/javascript", "application/javascript", "image/svg+xml", "application/json",
                "application/manifest+json", "text/html", "text/plain", "image/x-icon", "image/vnd.microsoft.icon"}
# The examiner's offline shell: what the service worker stores on install (those that exist).
SHELL_FILES = ("app.css", "store.js", "field.js", "favicon.ico", "icon-192.png")
SHELL_LINE = re.compile(r"var SHELL = \[\];")
mimetypes.add_type("application/manifest+json", ".webmanifest")

bp = Blueprint("shell", __name__)


class StaticAssets:
    """The static folder's content hashes and compressed copies, computed once per process."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        self._lock = threading.Lock()
        self._hashes: dict[str, str | None] = {}
        self._bodies: dict[tuple[str, str], bytes] = {}

    def path(self, filename: str) -> Path | None:
        joined = safe_join(str(self.folder), filename)
        return Path(joined) if joined and Path(joined).is_file() else None

    def digest(self, filename: str) -> str | None:
        if filename not in self._hashes:
            path = self.path(filename)
            value = hashlib.sha256(path.read_bytes()).hexdigest()[:HASH_LEN] if path else None
            with self._lock:
                self._hashes[filename] = value
        return self._hashes[filename]

    def hashed_name(self, filename: str) -> str:
        digest = self.digest(filename)
        if digest is None:
            raise FileNotFoundError(f"no static file {filename!r} in {self.folder}")
        stem, dot, ext = filename.rpartition(".")
        return f"{stem}.{digest}.{ext}" if dot and "/" not in ext else f"{filename}.{digest}"

    def body(self, filename: str, encoding: str) -> bytes:
        """The file's bytes as sent with `encoding` ("identity", "br" or "gzip")."""
        key = (filename, encoding)
        if key not in self._bodies:
            data = self.path(filename).read_bytes()
            if encoding == "br":
                data = brotli.compress(data, quality=11)
            elif encoding == "gzip":
                data = gzip.compress(data, compresslevel=9, mtime=0)
            with self._lock:
                self._bodies[key] = data
        return self._bodies[key]


def assets() -> StaticAssets:
    return current_app.extensions["fieldcheck_assets"]


def static_url(filename: str) -> str:
    """The content-hashed URL of a static file (templates use it instead of url_for('static', ...))."""
    return url_for("static", filename=assets().hashed_name(filename))


def shell_urls() -> list[str]:
    """The hashed URLs of the examiner's shell files that exist."""
    return [static_url(name) for name in SHELL_FILES if assets().digest(name) is not None]


def mimetype_of(filename: str) -> str:
    return mimetypes.guess_type(filename)[0] or "application/octet-stream"


def chosen_encoding(mimetype: str) -> str:
    if mimetype not in COMPRESSIBLE:
        return "identity"
    return request.accept_encodings.best_match(["br", "gzip"]) or "identity"


def asset_response(filename: str, digest: str, cache_control: str) -> Response:
    mimetype = mimetype_of(filename)
    encoding = chosen_encoding(mimetype)
    response = Response(assets().body(filename, encoding), mimetype=mimetype)
    if encoding != "identity":
        response.headers["Content-Encoding"] = encoding
    response.headers["Cache-Control"] = cache_control
    response.vary.add("Accept-Encoding")
    response.set_etag(f"{digest}-{encoding}")
    return response.make_conditional(request)


def serve_static(filename: str):
    """The app's static view: hashed names kept for a year, plain names revalidated on every use."""
    match = HASHED.match(filename)
    if match is not None and assets().path(filename) is None:
        original = match["stem"] + match["ext"]
        if assets().digest(original) != match["hash"]:
            abort(404)  # an old or made-up hash: never cache other content under it
        return asset_response(original, match["hash"], IMMUTABLE)
    digest = assets().digest(filename)
    if digest is None:
        abort(404)
    return asset_response(filename, digest, REVALIDATE)


# Responses that are the same for everyone, whatever the session cookie says.
SHARED_ENDPOINTS = frozenset({"static", "shell.service_worker", "shell.manifest", "shell.favicon"})


class SessionInterface(SecureCookieSessionInterface):
    """Flask's cookie session; the shell's shared files do not say `Vary: Cookie` (a signed-in user's
    extensions touch the session on every request), so a browser keeps one copy across sign-ins."""

    def save_session(self, app, session, response) -> None:
        super().save_session(app, session, response)
        if request.endpoint in SHARED_ENDPOINTS:
            response.vary.discard("cookie")  # lower case: HeaderSet.discard compares it as given


def init_static(app: Flask) -> None:
    """Hashed static URLs for this app: the Jinja global and the static view that honours them."""
    app.extensions["fieldcheck_assets"] = StaticAssets(app.static_folder)
    app.session_interface = SessionInterface()
    app.view_functions["static"] = serve_static
    app.add_template_global(static_url)


def root_file(filename: str, mimetype: str, body: bytes | None = None) -> Response:
    """A static file at a root path, revalidated on every use (a cheap 304 when unchanged)."""
    path = assets().path(filename)
    if path is None:
        abort(404)
    data = path.read_bytes() if body is None else body
    response = Response(data, mimetype=mimetype)
    response.headers["Cache-Control"] = REVALIDATE
    response.set_etag(hashlib.sha256(data).hexdigest()[:32])
    return response.make_conditional(request)


@bp.route("/sw.js")
@public
def service_worker():
    """The service worker at the root, so its scope is the whole site; it names the shell's hashed URLs."""
    path = assets().path("sw.js")
    if path is None:
        abort(404)
    script = path.read_text(encoding="utf-8")
    script = SHELL_LINE.sub(lambda _m: "var SHELL = " + json.dumps(shell_urls()) + ";", script, count=1)
    response = root_file("sw.js", "text/javascript", script.encode("utf-8"))
    response.headers["Service-Worker-Allowed"] = "/"
    return response


@bp.route("/manifest.webmanifest")
@public
def manifest():
    return root_file("manifest.webmanifest", "application/manifest+json")


@bp.route("/favicon.ico")
@public
def favicon():
    return root_file("favicon.ico", "image/x-icon")
