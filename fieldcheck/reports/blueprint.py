"""The reports area's blueprint, shared by its two view modules (reports and claims)."""

from flask import Blueprint

bp = Blueprint("reports", __name__, url_prefix="/cycles/<code>/reports")
