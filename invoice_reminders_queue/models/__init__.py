from . import invoice_reminder_run
