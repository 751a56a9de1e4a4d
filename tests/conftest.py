"""Shared helpers of the plain-Python tests.

The ``invoice_reminders/rules`` package is loaded by file path: importing the
package ``invoice_reminders`` would import Odoo.  It is loaded as a top-level
package of its own, ``invoice_reminders_rules``, whose ``__path__`` is the
``rules`` folder: its modules import each other relatively
(``from .eligibility import ...``), so they load as
``invoice_reminders_rules.<module>`` and nothing else of the add-on runs.
"""

import ast
import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ADDON = Path(__file__).resolve().parent.parent / "invoice_reminders"
RULES_PATH = ADDON / "rules"
MODULE_NAME = "invoice_reminders_rules"


def load_rules(path=RULES_PATH, name=MODULE_NAME):
    """Return a plain module or package of the add-on (``rules`` by default), loaded once.

    A folder is loaded as a package (its ``__init__.py``, with the folder as its
    ``__path__``), so that its relative imports find its own modules.  It is
    registered in ``sys.modules`` before being executed so that its dataclasses
    can resolve their own module.
    """
    module = sys.modules.get(name)
    if module is not None:
        return module
    path = Path(path)
    if path.is_dir():
        spec = importlib.util.spec_from_file_location(
            name, path / "__init__.py", submodule_search_locations=[str(path)]
        )
    else:
        spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        for loaded in [key for key in sys.modules if key == name or key.startswith(f"{name}.")]:
            del sys.modules[loaded]
        raise
    return module


def invoice_facts(**changes):
    """The keyword arguments of ``rules.ineligibility_reason`` for an open invoice
    of 100 that may be reminded (dates given by the test), with ``changes``."""
    return {
        "move_type": "out_invoice",
        "state": "posted",
        "payment_state": "not_paid",
        "amount_total": 100.0,
        "amount_residual": 100.0,
        "included": True,
        "partner_enabled": True,
        "company_enabled": True,
        "due_date": None,
        "invoice_date": None,
        "days_after_due": 0,
        "stop_after_months": 12,
        "stop_on": "paid",
        **changes,
    }


@pytest.fixture(scope="session")
def rules():
    """The ``rules`` package of ``invoice_reminders``: every rule, whatever its module."""
    return load_rules()


ROOT = ADDON.parent
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


# The releases (git tags, readme/HISTORY.md) are named by their version on Odoo
# 18.0, the first series the add-ons were released for: the manifests' versions
# carry no series ("1.3.0"), Odoo prefixes its own (see scripts/build_wheels.py).
RELEASE_SERIES = "18.0"


def manifest_version(addon):
    return ast.literal_eval((ROOT / addon / "__manifest__.py").read_text())["version"]


def release_version(addon):
    """The add-on's version as the releases name it: ``18.0.x.y.z``."""
    return f"{RELEASE_SERIES}.{manifest_version(addon)}"


def load_build_wheels():
    return load_rules(ROOT / "scripts" / "build_wheels.py", "invoice_reminders_build_wheels")


@pytest.fixture(scope="session", params=["18.0", "19.0"])
def wheels(request, tmp_path_factory):
    """The wheel of each add-on for one Odoo series (each test runs for both), built
    once by scripts/build_wheels.py: ``{addon: path}``, with ``wheels.series``."""
    out = tmp_path_factory.mktemp(f"wheels-{request.param}")
    build = load_build_wheels().build
    paths = {addon: build(addon, request.param, out) for addon in ADDONS}
    return SeriesWheels(request.param, paths)


class SeriesWheels(dict):
    def __init__(self, series, paths):
        super().__init__(paths)
        self.series = series


@pytest.fixture(scope="session")
def figures():
    """The ``report_figures`` module of ``invoice_reminders`` (the owner's weekly report)."""
    return load_rules(ADDON / "report_figures.py", "invoice_reminders_report_figures")
