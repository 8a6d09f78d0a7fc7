"""The Flask extensions, created once and bound to the app in the factory (`init_app`)."""

from __future__ import annotations

from flask_babel import Babel
from flask_compress import Compress
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

from .db import Base

db = SQLAlchemy(model_class=Base)
csrf = CSRFProtect()
compress = Compress()  # br/gzip when the browser asks; set up in the factory
login_manager = LoginManager()
babel = Babel()
migrate = Migrate()
# In memory, per process, unless FIELDCHECK_RATELIMIT_STORAGE points at Redis; the address is never stored.
limiter = Limiter(key_func=get_remote_address, default_limits=[])
