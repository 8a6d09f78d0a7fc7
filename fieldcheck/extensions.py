"""The Flask extensions, created once and bound to the app in the factory (`init_app`)."""

from __future__ import annotations

from functools import cached_property

from flask import g, has_app_context
from flask_babel import Babel, Domain, get_locale
from flask_compress import Compress
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

from .db import Base


class RequestDomain(Domain):
    """Flask-Babel's message domain, with the request's catalog looked up once per request.

    Flask-Babel finds the catalog again for every string (about 10 of a gettext's 26 µs); a page of 50
    cards asks for hundreds. The catalog is kept beside the request's locale object, so a request in
    another language (or a language switch in one app context) gets its own.
    """

    def get_translations(self):
        if not has_app_context():
            return super().get_translations()
        locale = get_locale()
        held = g.get("_fieldcheck_translations")
        if held is not None and held[0] is locale:
            return held[1]
        translations = super().get_translations()
        g._fieldcheck_translations = (locale, translations)
        return translations


class FieldcheckBabel(Babel):
    @cached_property
    def domain_instance(self):
        return RequestDomain(domain=self.domain)


db = SQLAlchemy(model_class=Base)
csrf = CSRFProtect()
compress = Compress()  # br/gzip when the browser asks; set up in the factory
login_manager = LoginManager()
babel = FieldcheckBabel()
migrate = Migrate()
# In memory, per process, unless FIELDCHECK_RATELIMIT_STORAGE points at Redis; the address is never stored.
limiter = Limiter(key_func=get_remote_address, default_limits=[])
