"""Install hooks."""

import logging

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
    """Delete the reminders' history and the companies' own levels before the data goes.

    Uninstalling removes the add-on's data records (its ladder, its templates)
    before it drops its tables.  A reminder keeps its level and its policy
    (``ondelete="restrict"``: a ladder step in use cannot be deleted), and the
    levels of the ladders a company made keep the add-on's email templates:
    with a history, those data records would stay behind with their xmlids.
    The tables are dropped right after, so their rows are deleted first; the
    data records themselves are left to the uninstall.
    """
    cr = env.cr
    cr.execute("SELECT to_regclass('invoice_reminder_digest')")
    if not cr.fetchone()[0]:
        return
    # their lines and actions go with them (ON DELETE CASCADE)
    cr.execute("DELETE FROM invoice_reminder_digest")
    digests = cr.rowcount
    # with their fixed fees and the fees they charged (ON DELETE CASCADE)
    cr.execute(
        """
        DELETE FROM invoice_reminder_level
         WHERE id NOT IN (SELECT res_id FROM ir_model_data WHERE model = 'invoice.reminder.level')
        """
    )
    _logger.info(
        "invoice_reminders: %s reminders and %s levels made by companies deleted before uninstall",
        digests,
        cr.rowcount,
    )
