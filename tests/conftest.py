"""Shared helpers of the plain-Python tests.

``invoice_reminders/rules.py`` is loaded by file path: importing the package
``invoice_reminders`` would import Odoo.
"""

import importlib.util
import sys
from pathlib import Path

import pytest

ADDON = Path(__file__).resolve().parent.parent / "invoice_reminders"
RULES_PATH = ADDON / "rules.py"
MODULE_NAME = "invoice_reminders_rules"


def load_rules(path=RULES_PATH, name=MODULE_NAME):
    """Return a plain module of the add-on (``rules.py`` by default), loaded once.

    It is registered in ``sys.modules`` before being executed so that its
    dataclasses can resolve their own module.
    """
    module = sys.modules.get(name)
    if module is not None:
        return module
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module


@pytest.fixture(scope="session")
def rules():
    """The ``rules`` module of ``invoice_reminders``."""
    return load_rules()


@pytest.fixture(scope="session")
def figures():
    """The ``report_figures`` module of ``invoice_reminders`` (the owner's weekly report)."""
    return load_rules(ADDON / "report_figures.py", "invoice_reminders_report_figures")
