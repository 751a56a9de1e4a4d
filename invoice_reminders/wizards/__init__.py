from . import invoice_reminder_activation
from . import invoice_reminder_activation_customer
from . import invoice_reminder_activation_invoice
from . import invoice_reminder_test_send
from . import invoice_reminder_pause
