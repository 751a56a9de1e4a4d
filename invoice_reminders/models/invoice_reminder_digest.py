from collections import defaultdict

from odoo import _, api, fields, models

DIGEST_STATES = [
    ("queued", "Queued"),
    ("sent", "Sent"),
    ("failed", "Failed"),
    ("bounced", "Bounced"),
]


class InvoiceReminderDigest(models.Model):
    """One payment reminder: every overdue invoice of a customer for one period."""

    _name = "invoice.reminder.digest"
    _description = "Payment Reminder Digest"
    _order = "period desc, id desc"
    _rec_name = "partner_id"
    _check_company_auto = True

    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one("res.company", required=True, index=True)
    policy_id = fields.Many2one(
        "invoice.reminder.policy", required=True, index=True, check_company=True
    )
    run_id = fields.Many2one("invoice.reminder.run", index=True, ondelete="set null")
    period = fields.Date(required=True, help="The sending slot this reminder belongs to.")
    level_id = fields.Many2one(
        "invoice.reminder.level", string="Level", check_company=True, ondelete="restrict"
    )
    state = fields.Selection(DIGEST_STATES, required=True, default="queued", index=True)
    mail_id = fields.Many2one("mail.mail", string="Email", ondelete="set null", index="btree_not_null")
    mail_message_id = fields.Char(string="Message-Id", index="btree_not_null", copy=False)
    email_to = fields.Char(string="Recipients")
    email_cc = fields.Char(string="Copy To")
    error = fields.Text()
    line_ids = fields.One2many("invoice.reminder.digest.line", "digest_id", string="Invoices")
    invoice_line_ids = fields.One2many(
        "invoice.reminder.digest.line",
        "digest_id",
        domain=[("kind", "=", "invoice")],
        string="Overdue Invoices",
    )
    credit_line_ids = fields.One2many(
        "invoice.reminder.digest.line",
        "digest_id",
        domain=[("kind", "=", "credit")],
        string="Credits",
    )
    totals_json = fields.Json(
        string="Totals",
        help="Amounts due, credits and net per currency, as computed when the "
        "reminder was built.",
    )

    _sql_constraints = [
        (
            "partner_policy_period_uniq",
            "UNIQUE(partner_id, policy_id, period)",
            "A customer receives only one reminder per period of a policy.",
        ),
    ]

    @api.depends("partner_id", "period")
    def _compute_display_name(self):
        for digest in self:
            digest.display_name = f"{digest.partner_id.display_name} — {digest.period or ''}"

    def _get_totals(self):
        """Amounts due, credits and net per currency, currencies by name."""
        self.ensure_one()
        currencies = self.env["res.currency"]
        result = []
        for currency_name, total in sorted((self.totals_json or {}).items()):
            currency = currencies.search([("name", "=", currency_name)], limit=1)
            result.append(
                {
                    "currency": currency,
                    "due": total["due"],
                    "credit": total["credit"],
                    "net": total["net"],
                }
            )
        return result

    # ------------------------------------------------------------------
    # Mail
    # ------------------------------------------------------------------

    def _render_mails(self, template):
        """Render ``template`` for these digests; a digest that fails is marked failed."""
        render_fields = ["subject", "body_html", "email_from"]
        try:
            return template._generate_template(self.ids, render_fields)
        except Exception:  # noqa: BLE001 - one customer's error must not stop the others
            rendered = {}
            for digest in self:
                try:
                    rendered.update(template._generate_template(digest.ids, render_fields))
                except Exception as error:  # noqa: BLE001
                    digest.write(
                        {
                            "state": "failed",
                            "error": _(
                                "The mail template %(template)s could not be rendered: %(error)s",
                                template=template.display_name,
                                error=error,
                            ),
                        }
                    )
            return rendered

    def _prepare_mail_vals(self, rendered):
        self.ensure_one()
        company = self.company_id
        body = rendered.get("body_html") or ""
        return {
            "subject": rendered.get("subject") or _("Payment reminder"),
            "body_html": body,
            "body": body,
            "email_from": company.reminder_email_from
            or rendered.get("email_from")
            or company.email_formatted,
            "email_to": self.email_to,
            "email_cc": self.email_cc or False,
            "model": "res.partner",
            "res_id": self.partner_id.id,
            "record_name": self.partner_id.display_name,
            "message_type": "email_outgoing",
            "subtype_id": self.env["ir.model.data"]._xmlid_to_res_id("mail.mt_note"),
            "author_id": company.partner_id.id,
            "auto_delete": False,
            "mail_server_id": company.reminder_mail_server_id.id or False,
            "state": "outgoing",
        }

    def _queue_mails(self):
        """Render each digest with its level's template and queue it in ``mail.mail``."""
        by_template = defaultdict(lambda: self.browse())
        for digest in self:
            by_template[digest.level_id.mail_template_id] |= digest
        mail_vals, queued = [], self.browse()
        for template, digests in by_template.items():
            rendered = digests._render_mails(template)
            for digest in digests:
                if digest.id in rendered and digest.state == "queued":
                    mail_vals.append(digest._prepare_mail_vals(rendered[digest.id]))
                    queued |= digest
        if not mail_vals:
            return
        mails = self.env["mail.mail"].sudo().create(mail_vals)
        self.env.cr.execute(
            """
            UPDATE invoice_reminder_digest d
               SET mail_id = v.mail_id, mail_message_id = v.message_id
              FROM unnest(%s::int[], %s::int[], %s::varchar[]) AS v(id, mail_id, message_id)
             WHERE d.id = v.id
            """,
            (queued.ids, mails.ids, mails.mapped("message_id")),
        )
        self.invalidate_recordset(["mail_id", "mail_message_id"])

    def _update_from_mails(self):
        """Follow the state of each digest's mail: accepted by SMTP, or failed."""
        for digest in self:
            mail = digest.mail_id
            if mail.state == "sent":
                digest.write({"state": "sent", "error": False})
            elif mail.state in ("exception", "cancel"):
                digest.write(
                    {
                        "state": "failed",
                        "error": mail.failure_reason or _("The email could not be sent."),
                    }
                )

    def _mark_bounced(self, detail):
        self.write({"state": "bounced", "error": detail or _("The email bounced.")})
