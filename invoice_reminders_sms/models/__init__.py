from . import invoice_reminder_level
from . import invoice_reminder_digest
from . import invoice_reminder_escalation
