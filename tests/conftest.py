"""Shared helpers of the plain-Python tests.

``invoice_reminders/rules.py`` is loaded by file path: importing the package
``invoice_reminders`` would import Odoo.
"""

import importlib.util
import subprocess
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


ROOT = RULES_PATH.parent.parent
ADDONS = ("invoice_reminders", "invoice_reminders_sms", "invoice_reminders_queue")


def build_wheel(addon, out_dir):
    """Build the wheel of ``addon`` the way OCA does (``pip wheel`` on its folder,
    whose ``pyproject.toml`` names whool), into ``out_dir``; return its path.

    ``--no-build-isolation``: whool comes from the virtualenv (test-requirements.txt),
    so no package index is needed.
    """
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
         "-q", "-w", str(out_dir), str(ROOT / addon)],
        check=True,
        capture_output=True,
    )
    wheels = list(Path(out_dir).glob(f"odoo_addon_{addon}-*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]


@pytest.fixture(scope="session")
def wheels(tmp_path_factory):
    """The wheel of each add-on, built once: ``{addon: path}``."""
    out = tmp_path_factory.mktemp("wheels")
    return {addon: build_wheel(addon, out / addon) for addon in ADDONS}


@pytest.fixture(scope="session")
def figures():
    """The ``report_figures`` module of ``invoice_reminders`` (the owner's weekly report)."""
    return load_rules(ADDON / "report_figures.py", "invoice_reminders_report_figures")
