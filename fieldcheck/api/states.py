"""An API token's states: active → revoked. A revoked token never comes back; make a new one."""

from __future__ import annotations

from ..states import StateMachine

API_TOKEN = StateMachine("api_token", {
    "active": frozenset({"revoked"}),
    "revoked": frozenset(),
})
