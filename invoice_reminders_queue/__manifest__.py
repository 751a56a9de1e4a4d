{
    "name": "Invoice Reminders on Job Queue",
    "summary": "Spread the payment-reminder runs over several workers with OCA's queue_job",
    "version": "1.1.0",
    "category": "Accounting/Accounting",
    "author": "invoice_reminders developers",
    "website": "https://github.com/invoice-reminders/invoice_reminders",
    "license": "LGPL-3",
    "depends": ["invoice_reminders", "queue_job"],
    "data": [
        "data/queue_job_data.xml",
        "data/ir_cron_data.xml",
    ],
    "installable": True,
    "auto_install": True,
    "application": False,
}
