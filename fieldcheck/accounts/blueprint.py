"""The accounts area's blueprint, shared by its two view modules (sign-in and people)."""

from flask import Blueprint

bp = Blueprint("accounts", __name__)
