from . import main, portal  # noqa: F401
