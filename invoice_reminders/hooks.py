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
    cr.execute(
        """
        ALTER TABLE account_move
        ADD COLUMN IF NOT EXISTS reminder_included boolean DEFAULT true
        """
    )
    _logger.info("invoice_reminders: column account_move.reminder_included created")
