"""Install hooks."""

import logging

from odoo.tools import SQL

_logger = logging.getLogger(__name__)


def pre_init_hook(env):
    """Create the stored columns added to ``account_move`` before the ORM does.

    On a big database the ORM would compute and write ``reminder_included``
    for every journal entry.  A column added with a constant default is only
    a catalogue change in PostgreSQL, whatever the size of the table.
    """
    cr = env.cr
    # Invoices that exist at install are NOT included: nothing goes out that
    # nobody has seen.  The activation wizard includes them, invoice by invoice
    # or by rule, after a preview.  Invoices created later take their
    # customer's default.
    cr.execute(
        """
        ALTER TABLE account_move
        ADD COLUMN IF NOT EXISTS reminder_included boolean DEFAULT false,
        ADD COLUMN IF NOT EXISTS reminder_manual boolean DEFAULT false,
        ADD COLUMN IF NOT EXISTS reminder_disputed boolean DEFAULT false,
        ADD COLUMN IF NOT EXISTS reminder_dispute_note varchar,
        ADD COLUMN IF NOT EXISTS reminder_pause_until date,
        ADD COLUMN IF NOT EXISTS reminder_pause_reason varchar,
        ADD COLUMN IF NOT EXISTS reminder_pause_note varchar,
        ADD COLUMN IF NOT EXISTS reminder_thanked boolean DEFAULT false,
        ADD COLUMN IF NOT EXISTS reminder_cadence varchar,
        ADD COLUMN IF NOT EXISTS reminder_cadence_stop varchar DEFAULT 'paid'
        """
    )
    _logger.info("invoice_reminders: columns of account_move created (reminder_included, ...)")


def uninstall_hook(env):
    """Empty the reminders' history and the ladders' levels before the data goes.

    Uninstalling removes the add-on's data records (its ladder, its templates)
    before it drops its tables.  A reminder keeps its level and its policy
    (``ondelete="restrict"``: a ladder step in use cannot be deleted), and every
    level, also those of the ladders a company made, keeps its email template:
    with a history, those records would stay behind with their xmlids.  The
    tables are dropped right after, so their rows are deleted first.
    """
    cr = env.cr
    for table in ("invoice_reminder_digest", "invoice_reminder_level"):
        cr.execute("SELECT to_regclass(%s)", (table,))
        if cr.fetchone()[0]:
            # the lines, actions, fees and fixed fees go with them (ON DELETE CASCADE)
            cr.execute(SQL("DELETE FROM %s", SQL.identifier(table)))
            _logger.info(
                "invoice_reminders: %s rows of %s deleted before uninstall", cr.rowcount, table
            )
