"""What differs between the Odoo versions the add-ons run on (18.0 and 19.0).

Everything else in the add-ons is written with constructs both versions accept
(``env.cr``/``env.context``, ``groups=`` in the views, search views without
``<group expand>``...).  The few differences live here, each in one small
helper, chosen by what Odoo offers (never by its version number):

- ``Constraint``: a table constraint of a model, as a class attribute named
  ``_<name>``.  Odoo 19.0 ignores ``_sql_constraints`` (with a warning) and
  declares them as ``models.Constraint``; on 18.0 the same declaration adds the
  entry ``(name, definition, message)`` to the model's ``_sql_constraints``.
  Both create the same PostgreSQL constraint, ``<table>_<name>``.
- ``cron_progress``: tell a running scheduled action how far it got
  (``ir.cron._commit_progress`` on 19.0, ``_notify_progress`` on 18.0).
- ``search_term``: the operator and value a field's search method gets, as
  18.0 gives them (19.0 gives ``in [True]`` where 18.0 gives ``= True``).
- ``testing``: whether Odoo's test runner is running, when nothing may be
  committed (18.0 marks the thread, 19.0 only ``odoo.modules.module.current_test``).
"""

import threading
from collections.abc import Collection

from odoo import models
from odoo.modules import module as odoo_module

if hasattr(models, "Constraint"):  # Odoo 19.0 and later
    Constraint = models.Constraint
else:

    class Constraint:
        """Odoo 18.0: ``models.Constraint`` of 19.0, written as ``_sql_constraints``."""

        def __init__(self, definition, message=""):
            self.definition = definition
            self.message = message

        def __set_name__(self, owner, name):
            # the class's own list (not the one it inherits), before Odoo reads it
            # in __init_subclass__
            own = list(owner.__dict__.get("_sql_constraints", []))
            owner._sql_constraints = [*own, (name[1:], self.definition, self.message)]


def cron_progress(env, done, remaining, step):
    """Record the progress of the scheduled action running this code, if any.

    :param done: the items processed so far, ``step`` of them since the last call
    :param remaining: the items left to process
    """
    cron = env["ir.cron"]
    if hasattr(cron, "_commit_progress"):  # Odoo 19.0: also commits
        if env.context.get("ir_cron_progress_id") and not testing():
            cron._commit_progress(step, remaining=remaining)
    else:
        cron._notify_progress(done=done, remaining=remaining)


def testing():
    """Whether the code runs inside Odoo's tests, which roll back: no commit then."""
    return bool(getattr(threading.current_thread(), "testing", False) or odoo_module.current_test)


def search_term(operator, value):
    """``(operator, value)`` of a search method of a computed field, as 18.0 passes them.

    Odoo 19.0 passes ``in`` / ``not in`` and a collection of values where 18.0
    passes ``=`` / ``!=`` and the value: a collection of one value is turned
    back into it (``in [True]`` into ``= True``); anything else is returned as is.
    """
    if (
        operator in ("in", "not in")
        and isinstance(value, Collection)
        and not isinstance(value, str)
        and len(value) == 1
    ):
        return ("=" if operator == "in" else "!="), next(iter(value))
    return operator, value
