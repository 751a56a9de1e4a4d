"""Unit tests of the ``invoice_reminders/rules`` package as a whole, without Odoo:
its one import surface and the doctests of every module."""

import ast
import doctest
import importlib
import inspect
import pkgutil

import pytest

# ---------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------


def test_constants(rules):
    assert (rules.STOP_PAID, rules.STOP_PARTIAL) == ("paid", "partial")
    assert (rules.SCHEDULE_WEEKLY, rules.SCHEDULE_DAILY, rules.SCHEDULE_BUSINESS_DAYS) == (
        "weekly",
        "daily",
        "business_days",
    )
    reasons = {name: getattr(rules, name) for name in dir(rules) if name.startswith("REASON_")}
    assert reasons == {
        "REASON_NOT_POSTED": "not_posted",
        "REASON_NOT_INVOICE": "not_invoice",
        "REASON_PAID": "paid",
        "REASON_PARTIAL": "partially_paid",
        "REASON_EXCLUDED": "excluded",
        "REASON_PARTNER_DISABLED": "partner_disabled",
        "REASON_COMPANY_DISABLED": "company_disabled",
        "REASON_NO_DATE": "no_date",
        "REASON_NOT_DUE": "not_due_yet",
        "REASON_TOO_OLD": "too_old",
        "REASON_DISPUTED": "disputed",
        "REASON_PAUSED": "paused",
        "REASON_PROMISED": "promised",
    }


MODULES = ("amounts", "answers", "eligibility", "forecast", "ladder", "schedule", "text")


def test_every_module_is_there(rules):
    assert tuple(sorted(info.name for info in pkgutil.iter_modules(rules.__path__))) == MODULES


def test_every_public_name_is_re_exported(rules):
    """Every public name a module defines is ``rules.<name>``, the very same object."""
    for name in MODULES:
        module = importlib.import_module(f"{rules.__name__}.{name}")
        defined = set()
        for node in ast.parse(inspect.getsource(module)).body:
            if isinstance(node, ast.Assign):
                defined.update(target.id for target in node.targets)
            elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                defined.add(node.name)
        public = {item for item in defined if not item.startswith("_")}
        assert public <= set(rules.__all__), (name, public - set(rules.__all__))
        assert all(getattr(rules, item) is getattr(module, item) for item in public)


@pytest.mark.parametrize("name", MODULES)
def test_doctests(rules, name):
    module = importlib.import_module(f"{rules.__name__}.{name}")
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 5
    assert result.failed == 0
