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
