"""Shared helpers of the plain-Python tests.

``invoice_reminders/rules.py`` is loaded by file path: importing the package
``invoice_reminders`` would import Odoo.
"""

import importlib.util
import sys
from pathlib import Path

import pytest

RULES_PATH = Path(__file__).resolve().parent.parent / "invoice_reminders" / "rules.py"
MODULE_NAME = "invoice_reminders_rules"


def load_rules():
    """Return the ``rules.py`` module, loaded once and registered in ``sys.modules``.

    It is registered before being executed so that its dataclasses can resolve
    their own module.
    """
    module = sys.modules.get(MODULE_NAME)
    if module is not None:
        return module
    spec = importlib.util.spec_from_file_location(MODULE_NAME, RULES_PATH)
    module = importlib.util.module_from_spec(spec)
    sys.modules[MODULE_NAME] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[MODULE_NAME]
        raise
    return module


@pytest.fixture(scope="session")
def rules():
    """The ``rules`` module of ``invoice_reminders``."""
    return load_rules()
