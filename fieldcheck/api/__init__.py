"""The read API for the grading engine (/api/v1) and the API tokens that open it."""
