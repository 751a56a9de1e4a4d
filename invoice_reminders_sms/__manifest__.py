{
    "name": "Invoice Reminders: SMS",
    "summary": "Payment reminder levels that also send an SMS, through Odoo's SMS service",
    "version": "1.1.0",
    "category": "Accounting/Accounting",
    "author": "invoice_reminders developers",
    "website": "https://github.com/invoice-reminders/invoice_reminders",
    "license": "LGPL-3",
    "depends": ["invoice_reminders", "sms"],
    "data": [
        "data/sms_template_data.xml",
        "views/invoice_reminder_policy_views.xml",
    ],
    "auto_install": True,
    "installable": True,
}
