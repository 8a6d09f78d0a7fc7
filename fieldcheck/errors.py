"""The one exception operations raise for input a person can correct."""


class OperationError(Exception):
    """A refused change, with a message already in the user's language; nothing was written."""

    def __init__(self, message: str, status: int = 400, code: str = "invalid"):
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code
