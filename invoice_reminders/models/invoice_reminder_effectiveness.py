from odoo import fields, models, tools
from odoo.tools import SQL

MONEY_GROUPS = "account.group_account_invoice,account.group_account_readonly"


def _paid_within(days):
    """1 when the invoice was fully paid within ``days`` days of the reminder (summed)."""
    return fields.Integer(string=f"Paid within {days} Days", readonly=True)


def _amount_paid_within(days):
    """The amount reminded when the invoice was fully paid within ``days`` days."""
    return fields.Monetary(
        string=f"Amount Paid within {days} Days",
        currency_field="company_currency_id",
        readonly=True,
        groups=MONEY_GROUPS,
    )


class InvoiceReminderEffectiveness(models.Model):
    """Each invoice of each reminder that went out, and whether and when it was paid after.

    A SQL view, for the pivot and graph of *Reminder Effectiveness*: reminders
    sent and invoices paid within 7, 14 and 30 days per period, policy, level
    and template. The owner's weekly report reads the same rows.
    """

    _name = "invoice.reminder.effectiveness"
    _description = "Payment Reminder Effectiveness"
    _auto = False
    _order = "period desc, id desc"
    _rec_name = "move_id"

    company_id = fields.Many2one("res.company", readonly=True)
    period = fields.Date(string="Reminder Date", readonly=True)
    policy_id = fields.Many2one("invoice.reminder.policy", readonly=True)
    level_id = fields.Many2one("invoice.reminder.level", readonly=True)
    template_id = fields.Many2one("mail.template", string="Email Template", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    digest_id = fields.Many2one("invoice.reminder.digest", string="Reminder", readonly=True)
    move_id = fields.Many2one("account.move", string="Invoice", readonly=True)
    company_currency_id = fields.Many2one("res.currency", readonly=True)
    reminder_count = fields.Integer(
        string="Reminders Sent",
        readonly=True,
        help="Counts each reminder once, whatever its number of invoices.",
    )
    invoice_count = fields.Integer(string="Invoices Reminded", readonly=True)
    amount = fields.Monetary(
        string="Amount Reminded",
        currency_field="company_currency_id",
        readonly=True,
        groups=MONEY_GROUPS,
        help="What the invoice owed when reminded, in the company's currency.",
    )
    paid_date = fields.Date(
        string="Paid On", readonly=True, help="When the invoice was fully paid, if it is."
    )
    paid_days = fields.Integer(
        string="Days to Payment",
        aggregator="avg",
        readonly=True,
        help="Days from the reminder to the full payment (average when grouped).",
    )
    paid_7 = _paid_within(7)
    paid_14 = _paid_within(14)
    paid_30 = _paid_within(30)
    amount_paid_7 = _amount_paid_within(7)
    amount_paid_14 = _amount_paid_within(14)
    amount_paid_30 = _amount_paid_within(30)

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                """
            CREATE VIEW %s AS (
                SELECT rows.*,
                       CASE WHEN rows.paid_days <= 7 THEN 1 ELSE 0 END AS paid_7,
                       CASE WHEN rows.paid_days <= 14 THEN 1 ELSE 0 END AS paid_14,
                       CASE WHEN rows.paid_days <= 30 THEN 1 ELSE 0 END AS paid_30,
                       CASE WHEN rows.paid_days <= 7 THEN rows.amount ELSE 0 END
                           AS amount_paid_7,
                       CASE WHEN rows.paid_days <= 14 THEN rows.amount ELSE 0 END
                           AS amount_paid_14,
                       CASE WHEN rows.paid_days <= 30 THEN rows.amount ELSE 0 END
                           AS amount_paid_30
                  FROM (
                    SELECT line.id,
                           digest.company_id,
                           digest.period,
                           digest.policy_id,
                           digest.level_id,
                           level.mail_template_id AS template_id,
                           digest.partner_id,
                           digest.id AS digest_id,
                           line.move_id,
                           company.currency_id AS company_currency_id,
                           CASE WHEN ROW_NUMBER() OVER (
                                    PARTITION BY digest.id ORDER BY line.id) = 1
                                THEN 1 ELSE 0 END AS reminder_count,
                           1 AS invoice_count,
                           line.amount_residual * ABS(move.amount_total_signed)
                               / NULLIF(move.amount_total, 0) AS amount,
                           paid.paid_date,
                           CASE WHEN paid.paid_date IS NOT NULL
                                THEN GREATEST(paid.paid_date - digest.period, 0)
                           END AS paid_days
                      FROM invoice_reminder_digest_line line
                      JOIN invoice_reminder_digest digest ON digest.id = line.digest_id
                      JOIN res_company company ON company.id = digest.company_id
                      JOIN account_move move ON move.id = line.move_id
                 LEFT JOIN invoice_reminder_level level ON level.id = digest.level_id
                 LEFT JOIN LATERAL (
                            SELECT MAX(partial.max_date) AS paid_date
                              FROM account_move_line term
                              JOIN account_partial_reconcile partial
                                ON partial.debit_move_id = term.id
                             WHERE term.move_id = move.id
                               AND term.display_type = 'payment_term'
                               AND move.payment_state IN ('paid', 'in_payment')
                           ) paid ON TRUE
                     WHERE line.kind = 'invoice'
                       AND digest.state != 'failed'
                  ) rows
            )
            """,
                SQL.identifier(self._table),
            )
        )
