"""fieldcheck: on-site verification of the achievements claimed in duty reports."""


def create_app(test_config=None):
    """Build the Flask application (see fieldcheck.app)."""
    from .app import build_app  # on call: `import fieldcheck` (e.g. by the standalone tools) stays light

    return build_app(test_config)
