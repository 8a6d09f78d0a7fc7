"""The one exception operations raise for input a person can correct."""

from __future__ import annotations

from collections.abc import Callable


class OperationError(Exception):
    """A refused change, with a message already in the user's language; nothing was written.

    `on_refusal`, when given, records what must stay on file although the change was refused
    (a second draw attempted, a seed typed wrong). It runs after the rollback, in its own
    transaction, through `fieldcheck.web.refuse` — the one place that handles a refusal.
    """

    def __init__(self, message: str, status: int = 400, code: str = "invalid",
                 on_refusal: Callable[[], object] | None = None):
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.on_refusal = on_refusal
