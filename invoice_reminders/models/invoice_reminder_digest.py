import logging
import re
import uuid
from collections import defaultdict
from datetime import timedelta

from markupsafe import Markup

from odoo import Command, _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools.misc import format_amount, split_every

from odoo.addons.base.models.ir_actions_report import _get_wkhtmltopdf_bin

from .. import pdf, rules
from .invoice_reminder_statement import PDF_MIMETYPE, STATEMENT_FORMATS

_logger = logging.getLogger(__name__)

# invoices rendered by one QWeb rendering of their report
INVOICE_BATCH_SIZE = 50
# in Odoo's report HTML: its base address, its asset bundles' style sheets and scripts
BASE_TAG = re.compile(r"<base\b[^>]*>", re.IGNORECASE)
CSS_LINK = re.compile(
    r'<link\b[^>]*href="[^"]*/web/assets/[^"/]+/(?P<name>[^"/]+?)(?:\.min)?\.css"[^>]*>',
    re.IGNORECASE,
)
JS_LINK = re.compile(
    r'<script\b[^>]*src="[^"]*/web/assets/[^"/]+/(?P<name>[^"/]+?)(?:\.min)?\.js"[^>]*>'
    r"\s*</script>",
    re.IGNORECASE,
)

DIGEST_STATES = [
    ("queued", "Queued"),
    ("sent", "Sent"),
    ("failed", "Failed"),
    ("bounced", "Bounced"),
]


class InvoiceReminderDigest(models.Model):
    """One payment reminder: every overdue invoice of a customer for one period."""

    _name = "invoice.reminder.digest"
    _inherit = ["portal.mixin"]
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
    kind = fields.Selection(
        [("digest", "Customer digest"), ("cadence", "Own cadence")],
        required=True,
        default="digest",
        readonly=True,
        help="Customer digest: every overdue invoice of the customer, on the policy's "
        "schedule. Own cadence: invoices reminded alone on their own cadence.",
    )
    level_id = fields.Many2one("invoice.reminder.level", check_company=True, ondelete="restrict")
    state = fields.Selection(DIGEST_STATES, required=True, default="queued", index=True)
    mail_id = fields.Many2one(
        "mail.mail", string="Email", ondelete="set null", index="btree_not_null"
    )
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
    fee_line_ids = fields.One2many(
        "invoice.reminder.digest.line",
        "digest_id",
        domain=[("kind", "=", "fee")],
        string="Late Fees",
    )
    action_ids = fields.One2many("invoice.reminder.action", "digest_id", string="Actions")
    totals_json = fields.Json(
        string="Totals",
        help="Amounts due, credits and net per currency, as computed when the reminder was built.",
    )
    invoice_count = fields.Integer(
        string="Number of Invoices", help="Number of overdue invoices in this reminder."
    )
    company_currency_id = fields.Many2one(related="company_id.currency_id")
    amount_net_company = fields.Monetary(
        string="Net Amount Due",
        currency_field="company_currency_id",
        help="What the customer owes in this reminder, net of credits, every currency "
        "converted to the company's currency on the reminder's date.",
    )
    totals_display = fields.Char(
        string="Amounts Due",
        compute="_compute_totals_display",
        help="Net amount due per currency, credits deducted.",
    )
    totals_html = fields.Html(
        string="Totals per Currency",
        compute="_compute_totals_display",
        sanitize=False,
    )
    pay_by_date = fields.Date(
        string="Pay By",
        compute="_compute_pay_by_date",
        help="The date by which the customer is asked to pay: the reminder's date plus "
        "the level's Pay Within days.",
    )
    attachment_ids = fields.Many2many(
        related="mail_id.attachment_ids",
        string="Attachments",
        help="The documents sent with this reminder.",
    )

    _sql_constraints = [
        (
            "partner_policy_period_uniq",
            "UNIQUE(partner_id, policy_id, period, kind)",
            "A customer receives only one reminder per period of a policy.",
        ),
    ]

    @api.depends("partner_id", "period")
    def _compute_display_name(self):
        for digest in self:
            digest.display_name = f"{digest.partner_id.display_name} — {digest.period or ''}"

    @api.depends("totals_json")
    def _compute_totals_display(self):
        for digest in self:
            totals = digest._get_totals()
            digest.totals_display = self.env["res.currency"]._reminder_format_amounts(
                {total["currency"]: total["net"] for total in totals}
            )
            digest.totals_html = self.env["ir.qweb"]._render(
                "invoice_reminders.invoice_reminder_totals_table",
                {"totals": totals, "format_amount": format_amount, "env": self.env},
            )

    @api.depends("period", "level_id.pay_within_days")
    def _compute_pay_by_date(self):
        for digest in self:
            days = digest.level_id.pay_within_days
            digest.pay_by_date = (
                fields.Date.add(digest.period, days=days) if days and digest.period else False
            )

    def _compute_access_url(self):
        for digest in self:
            digest.access_url = f"/invoice_reminders/statement/{digest.id}"

    @api.model_create_multi
    def create(self, vals_list):
        level_ids = {vals["level_id"] for vals in vals_list if vals.get("level_id")}
        without_links = set(
            self.env["invoice.reminder.level"]
            .browse(level_ids)
            .filtered(lambda level: not level.include_links)
            .ids
        )
        for vals in vals_list:
            # the statement's download link works with this token only
            vals.setdefault("access_token", str(uuid.uuid4()))
            if vals.get("level_id") in without_links:
                # a level without links: no portal link in the email nor the statement
                for command in vals.get("line_ids") or []:
                    if command[0] == Command.CREATE and isinstance(command[2], dict):
                        command[2].pop("access_url", None)
                        command[2].pop("pay_url", None)
        return super().create(vals_list)

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_print_statement(self):
        """Download the statement of this reminder as PDF."""
        return self._statement_download_action("pdf")

    def action_print_statement_docx(self):
        """Download the statement of this reminder as a Word document."""
        return self._statement_download_action("docx")

    def action_send_test(self):
        """Send this customer's next reminder to the user's own address, as a test."""
        self.ensure_one()
        return self.env["invoice.reminder.test.send"]._get_wizard_action(
            self.partner_id, self.policy_id
        )

    def _statement_download_action(self, report_format):
        self.ensure_one()
        return {
            "type": "ir.actions.act_url",
            "url": f"/invoice_reminders/statement/{self.id}/print/{report_format}",
            "target": "download",
        }

    def _get_totals(self):
        """Amounts due, credits and net per currency, currencies by name."""
        self.ensure_one()
        currencies = self.env["res.currency"].with_context(active_test=False)
        result = []
        for currency_name, total in sorted((self.totals_json or {}).items()):
            if total.get("currency_id"):
                # no query: the batch's currencies are already in cache
                currency = currencies.browse(total["currency_id"])
            else:
                currency = currencies.search([("name", "=", currency_name)], limit=1)
            result.append(
                {
                    "currency": currency,
                    "due": total["due"],
                    "credit": total["credit"],
                    "net": total["net"],
                    "fee": total.get("fee", 0.0),
                }
            )
        return result

    # ------------------------------------------------------------------
    # Documents
    # ------------------------------------------------------------------

    def _prepare_statement_data(self):
        """The statement of this reminder as a plain dict, for PDF and Word alike."""
        self.ensure_one()
        invoices = [
            {
                "name": line.name,
                "date": line.date,
                "date_due": line.date_due,
                "days_overdue": line.days_overdue,
                "amount": line.amount_residual,
                "currency": line.currency_id,
                "url": line.access_url,
            }
            for line in self.invoice_line_ids
        ]
        credits = [
            {
                "name": line.name,
                "date": line.date,
                "amount": line.amount_residual,
                "currency": line.currency_id,
            }
            for line in self.credit_line_ids
        ]
        Statement = self.env["invoice.reminder.statement"]
        level = self.level_id
        data = Statement._prepare_statement_data(
            self.partner_id,
            self.company_id,
            invoices,
            credits,
            self._get_totals(),
            date=self.period,
            # the step's name in the customer's language, as the rest of the statement
            reference=level.with_context(lang=Statement._statement_lang(self.partner_id)).name,
            with_signature=level.print_signature_stamp,
            pay_by=self.pay_by_date or None,
        )
        if level.include_links:
            data["answer_link"] = {
                "label": self.with_context(lang=Statement._statement_lang(self.partner_id)).env._(
                    "Answer this reminder online"
                ),
                "url": self._get_answer_link(),
            }
        return self._prepare_statement_fees(data)

    def _render_statement(self, report_format, data=None):
        """The statement as ``(content, file name, mimetype)``; raises a UserError on failure."""
        self.ensure_one()
        Statement = self.env["invoice.reminder.statement"]
        data = data or self._prepare_statement_data()
        content = Statement._render_statement(data, report_format)
        filename = Statement._statement_filename(
            data, self.level_id.attachment_name, report_format, self.company_id
        )
        return content, filename, STATEMENT_FORMATS[report_format]

    def _invoices_to_render(self):
        """The overdue invoices of these reminders that have no PDF stored.

        :returns: ``(stored, to_render)``: the ``ir.attachment`` already stored on
            the invoices (their legal PDF, or their main attachment when it is a
            PDF), reused as they are, and the ``account.move`` to render
        """
        stored = self.env["ir.attachment"]
        to_render = self.env["account.move"]
        for move in self.invoice_line_ids.move_id:
            attachment = move.invoice_pdf_report_id
            if not attachment and move.message_main_attachment_id.mimetype == PDF_MIMETYPE:
                attachment = move.message_main_attachment_id
            if attachment:
                stored |= attachment
            else:
                to_render |= move
        return stored, to_render

    def _render_invoice_pdfs(self, moves):
        """Render ``moves`` with their invoice report, as Odoo prints them.

        Odoo's report gives the HTML of each invoice (a batch of invoices per
        rendering) with its layout, paper format, header and footer; a few
        wkhtmltopdf processes convert them, one conversion per invoice, so
        every build of wkhtmltopdf gives one PDF per invoice (Debian's cannot
        convert several documents at once, which Odoo's own print does). A
        batch that fails or cannot be split per invoice falls back to one
        render per invoice; only an invoice that cannot be rendered alone
        fails, with its number in the reason.

        :returns: ``{move id: PDF bytes, or the reason it failed (str)}``
        """
        if not moves:
            return {}
        by_report = defaultdict(lambda: self.env["account.move"])
        for move in moves:
            report = self.env["account.move.send"]._get_default_pdf_report_id(move)
            by_report[move.company_id, report] |= move
        result = {}
        for (company, report), report_moves in by_report.items():
            Report = (
                self.env["ir.actions.report"]
                .with_company(company)
                .with_context(invoice_reminders_report=True, webp_as_jpg=True, debug=False)
            )
            for batch in split_every(INVOICE_BATCH_SIZE, report_moves.ids, list):
                batch_moves = self.env["account.move"].browse(batch)
                result.update(self._render_invoice_documents(Report, report, batch_moves))
                failed = batch_moves.filtered(lambda move: not isinstance(result[move.id], bytes))
                for move in failed if len(batch_moves) > 1 else ():
                    result.update(self._render_invoice_documents(Report, report, move))
                for move in batch_moves:
                    if not isinstance(result[move.id], bytes):
                        result[move.id] = _(
                            "The PDF of invoice %(invoice)s could not be rendered: %(error)s",
                            invoice=move.name,
                            error=result[move.id],
                        )
        return result

    @api.model
    def _render_invoice_documents(self, Report, report, moves):
        """``{move id: PDF bytes or the reason (str)}`` of one rendering of ``moves``."""
        try:
            with self.env.cr.savepoint(flush=False):
                documents, _args = self._prepare_invoice_documents(Report, report, moves)
        except Exception as error:  # each invoice is tried alone
            _logger.info("Invoice PDFs %s not rendered: %s", moves.ids, error)
            reason = error.args[0] if isinstance(error, UserError) and error.args else error
            return dict.fromkeys(moves.ids, str(reason))
        if documents is None:
            return dict.fromkeys(moves.ids, _("its report cannot be split per invoice"))
        ids = list(documents)
        results = pdf.convert(
            _get_wkhtmltopdf_bin(),
            [documents[move_id] for move_id in ids],
            processes=self.env["invoice.reminder.statement"]._pdf_processes(),
        )
        output = {}
        for move_id, result in zip(ids, results, strict=True):
            if not result:
                _logger.info("Invoice PDF of move %s not rendered: %s", move_id, result.error)
            output[move_id] = result.pdf if result else result.error
        return output

    @api.model
    def _prepare_invoice_documents(self, Report, report, moves):
        """What wkhtmltopdf converts for ``moves``: Odoo's own report HTML and arguments.

        :returns: ``({move id: pdf.Document}, args)``, or ``(None, None)`` when the
            report's HTML does not hold one article per invoice
        """
        data = {"report_type": "pdf"}
        if self.env["ir.config_parameter"].sudo().get_param("account.display_name_in_footer"):
            data["display_name_in_footer"] = True
        html = Report._render_qweb_html(report.report_name, moves.ids, data=data)[0]
        bodies, html_ids, header, footer, paper_args = Report._prepare_html(
            html, report_model=report.model
        )
        if sorted(i for i in html_ids if i) != sorted(moves.ids) or len(bodies) != len(moves):
            return None, None
        args = Report._build_wkhtmltopdf_args(
            report.get_paperformat(),
            Report.env.context.get("landscape"),
            specific_paperformat_args=paper_args,
        )
        args = [arg for arg in args if arg not in ("--quiet",)]
        bundles = {}
        header = self._offline_report_html(str(header), bundles)
        footer = self._offline_report_html(str(footer), bundles)
        documents = {
            move_id: pdf.Document(
                self._offline_report_html(str(body), bundles),
                args,
                header=header,
                footer=footer,
                index=i,
            )
            for i, (move_id, body) in enumerate(zip(html_ids, bodies, strict=True))
        }
        return documents, args

    @api.model
    def _offline_report_html(self, html, bundles):
        """Odoo's report HTML made self-contained: nothing fetched from the server.

        Odoo's own print has wkhtmltopdf load the report's style sheets and
        scripts from the web server (``report.url``), once per invoice; a
        reminder run has them inline, from the same asset bundles, and drops
        the page's base address so that nothing else is fetched either (the
        company logo is inline already; the bundles' web fonts give way to
        the system's fonts).

        :param bundles: cache of the bundles' content, shared by a batch
        """

        def bundle(match, kind):
            name = match.group("name")
            key = (name, kind)
            if key not in bundles:
                rtl = name.endswith(".rtl")
                files = self.env["ir.qweb"]._get_asset_bundle(
                    name.removesuffix(".rtl"), css=kind == "css", js=kind == "js", rtl=rtl
                )
                attachments = files.css() if kind == "css" else files.js()
                bundles[key] = "\n".join(
                    (attachment.raw or b"").decode() for attachment in attachments
                )
            content = bundles[key]
            if kind == "css":
                return f"<style>{content}</style>"
            return "<script>{}</script>".format(content.replace("</script", "<\\/script"))

        html = BASE_TAG.sub("", html)
        html = CSS_LINK.sub(lambda match: bundle(match, "css"), html)
        return JS_LINK.sub(lambda match: bundle(match, "js"), html)

    def _prerender_documents(self):
        """Every document these reminders' levels attach, built for all of them at once.

        Statement PDFs are converted by a few wkhtmltopdf processes for the
        whole batch, invoice PDFs likewise through Odoo's invoice report.

        :returns: what :meth:`_prepare_attachment_vals_list` takes as
            ``prerendered``; a document that failed holds its reason (str)
        """
        statement_data = {}
        statement_pdf = {}
        invoice_pdf = {}
        with_statement = self.filtered(
            lambda d: d.level_id.attach_statement_pdf or d.level_id.attach_statement_docx
        )
        for digest in with_statement:
            try:
                with self.env.cr.savepoint(flush=False):
                    statement_data[digest.id] = digest._prepare_statement_data()
            except Exception as error:  # built again, and failed, by that reminder alone
                _logger.info("Statement of reminder %s not prepared: %s", digest.id, error)
        with_pdf = with_statement.filtered(
            lambda d: d.level_id.attach_statement_pdf and d.id in statement_data
        )
        if with_pdf:
            Statement = self.env["invoice.reminder.statement"]
            try:
                contents = Statement._render_statements_pdf(
                    [statement_data[digest.id] for digest in with_pdf]
                )
            except UserError as error:  # no wkhtmltopdf: none can be built
                contents = [error.args[0]] * len(with_pdf)
            statement_pdf = dict(zip(with_pdf.ids, contents, strict=True))
        with_invoices = self.filtered(lambda d: d.level_id.attach_invoice_pdf)
        if with_invoices:
            try:
                invoice_pdf = self._render_invoice_pdfs(with_invoices._invoices_to_render()[1])
            except Exception as error:  # each reminder renders its own instead
                _logger.info("Invoice PDFs of reminders %s not prerendered: %s", self.ids, error)
        return {"data": statement_data, "statement_pdf": statement_pdf, "invoice_pdf": invoice_pdf}

    def _prepare_attachment_vals_list(self, prerendered=None):
        """What the level asks to attach: ``(stored attachments, new attachment values)``.

        :param prerendered: documents built beforehand for a whole batch
            (:meth:`_prerender_documents`); what is missing there is built here
        :raises UserError: a document could not be built
        """
        self.ensure_one()
        prerendered = prerendered or {}
        level = self.level_id
        stored = self.env["ir.attachment"]
        contents = []
        if level.attach_invoice_pdf:
            stored, to_render = self._invoices_to_render()
            done = prerendered.get("invoice_pdf") or {}
            missing = to_render.filtered(lambda move: move.id not in done)
            rendered = {**done, **self._render_invoice_pdfs(missing)}
            for move in to_render:
                raw = rendered[move.id]
                if isinstance(raw, str):
                    raise UserError(raw)
                contents.append((move._get_invoice_report_filename(), raw, PDF_MIMETYPE))
        formats = [
            report_format
            for report_format, wanted in (
                ("pdf", level.attach_statement_pdf),
                ("docx", level.attach_statement_docx),
            )
            if wanted
        ]
        if formats:
            Statement = self.env["invoice.reminder.statement"]
            data = (prerendered.get("data") or {}).get(self.id) or self._prepare_statement_data()
            for report_format in formats:
                raw = (prerendered.get("statement_pdf") or {}).get(self.id)
                if report_format != "pdf" or raw is None:
                    raw = Statement._render_statement(data, report_format)
                elif isinstance(raw, str):
                    raise UserError(raw)
                name = Statement._statement_filename(
                    data, level.attachment_name, report_format, self.company_id
                )
                contents.append((name, raw, STATEMENT_FORMATS[report_format]))
        vals_list = [
            {
                "name": name,
                "raw": raw,
                "mimetype": mimetype,
                "res_model": self._name,
                "res_id": self.id,
            }
            for name, raw, mimetype in contents
        ]
        return stored, vals_list

    def _get_attachment_names(self):
        """File names of what this reminder's level attaches, without rendering anything."""
        self.ensure_one()
        level = self.level_id
        names = []
        if level.attach_invoice_pdf:
            for move in self.invoice_line_ids.move_id:
                stored = move.invoice_pdf_report_id
                if not stored and move.message_main_attachment_id.mimetype == PDF_MIMETYPE:
                    stored = move.message_main_attachment_id
                names.append(stored.name if stored else move._get_invoice_report_filename())
        for report_format, wanted in (
            ("pdf", level.attach_statement_pdf),
            ("docx", level.attach_statement_docx),
        ):
            if wanted:
                names.append(
                    rules.expand_filename(
                        level.attachment_name,
                        report_format,
                        customer=self.partner_id.display_name,
                        date=self.period,
                        company=self.company_id.name,
                    )
                )
        return names

    def _build_attachments(self, prerendered=None):
        """The attachments of this reminder, or ``None`` when they could not be built.

        A reminder is never sent with a missing or broken document: it is marked
        failed with the reason, shows in the owner's summary, and is built again
        by *Send now* or with the next period's reminder.
        """
        self.ensure_one()
        try:
            with self.env.cr.savepoint():
                stored, vals_list = self._prepare_attachment_vals_list(prerendered)
                return stored | self.env["ir.attachment"].create(vals_list)
        except Exception as error:  # one customer's error must not stop the others
            _logger.info("Documents of reminder %s not built: %s", self.id, error)
            reason = error.args[0] if isinstance(error, UserError) and error.args else error
            self.write(
                {
                    "state": "failed",
                    "error": _(
                        "The documents of this reminder could not be built, so it was not "
                        "sent: %(error)s",
                        error=reason,
                    ),
                }
            )
            return None

    def _get_statement_link(self):
        """Absolute link to download the statement, with its access token."""
        self.ensure_one()
        return self.get_base_url() + self.get_portal_url()

    # ------------------------------------------------------------------
    # The reminder's page (controllers/portal.py)
    # ------------------------------------------------------------------

    def _get_answer_path(self):
        """The reminder's page on the portal, with its access token."""
        self.ensure_one()
        return f"/my/reminders/{self.id}?access_token={self.access_token}"

    def _get_answer_link(self):
        """Absolute link to the reminder's page, where the customer answers it."""
        self.ensure_one()
        return self.get_base_url() + self._get_answer_path()

    def _answer_moves(self):
        """The invoices of this reminder the customer may still answer: its own, still open."""
        self.ensure_one()
        customer = self.partner_id.commercial_partner_id
        return self.invoice_line_ids.move_id.filtered(
            lambda move: (
                move.commercial_partner_id == customer
                and move.company_id == self.company_id
                and move.move_type == "out_invoice"
                and move.state == "posted"
                and move.payment_state in ("not_paid", "partial")
            )
        )

    def _answer_page_open(self, today=None):
        """Whether the reminder's page still answers (rules.answer_token_valid)."""
        self.ensure_one()
        today = today or fields.Date.context_today(self)
        return rules.answer_token_valid(self.period, today, len(self._answer_moves()))

    # ------------------------------------------------------------------
    # Mail
    # ------------------------------------------------------------------

    def _render_mails(self, template):
        """Render ``template`` for these digests; a digest that fails is marked failed."""
        render_fields = ["subject", "body_html", "email_from"]
        # one compilation of the body per batch and language, not one per customer
        template = template.with_context(invoice_reminders_compile_once=True)
        try:
            return template._generate_template(self.ids, render_fields)
        except Exception:  # one customer's error must not stop the others
            rendered = {}
            for digest in self:
                try:
                    rendered.update(template._generate_template(digest.ids, render_fields))
                except Exception as error:
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
        if self.level_id.include_links:
            lang = self.env["invoice.reminder.statement"]._statement_lang(self.partner_id)
            link = (
                self.env["ir.qweb"]
                .with_context(lang=lang)
                ._render(
                    "invoice_reminders.invoice_reminder_statement_link",
                    {
                        "url": self._get_statement_link(),
                        "label": self.with_context(lang=lang).env._(
                            "Download your statement of overdue invoices"
                        ),
                    },
                )
            )
            answer = (
                self.env["ir.qweb"]
                .with_context(lang=lang)
                ._render(
                    "invoice_reminders.invoice_reminder_answer_link",
                    {"url": self._get_answer_link()},
                )
            )
            body = Markup(body) + link + answer
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
        rendered = {}
        for template, digests in by_template.items():
            rendered.update(digests._render_mails(template))
        ready = self.filtered(lambda digest: digest.id in rendered and digest.state == "queued")
        # the documents of the whole batch at once: a few wkhtmltopdf processes
        prerendered = ready._prerender_documents()
        mail_vals, queued = [], self.browse()
        for digest in ready:
            attachments = digest._build_attachments(prerendered)
            if attachments is None:
                continue
            vals = digest._prepare_mail_vals(rendered[digest.id])
            if attachments:
                vals["attachment_ids"] = [Command.set(attachments.ids)]
            mail_vals.append(vals)
            queued |= digest
        if not mail_vals:
            return
        self._set_reply_to(mail_vals)
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

    @api.model
    def _set_reply_to(self, mail_vals):
        """The Reply-To of each mail, computed for the whole batch at once.

        ``mail.message`` would compute it mail by mail, with a query each; the
        value is the same: the customers' own reply address (the catchall
        alias when there is one, else the sender).
        """
        by_sender = defaultdict(list)
        for vals in mail_vals:
            if "reply_to" not in vals:
                by_sender[vals["email_from"]].append(vals)
        for email_from, vals_list in by_sender.items():
            partners = self.env["res.partner"].browse({vals["res_id"] for vals in vals_list})
            reply_to = partners._notify_get_reply_to(default=email_from)
            for vals in vals_list:
                vals["reply_to"] = reply_to[vals["res_id"]]

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

    # ------------------------------------------------------------------
    # Late fees
    # ------------------------------------------------------------------

    def _record_fees(self):
        """Record the fee lines of these reminders: once per invoice and level, ever."""
        vals_list = [
            {
                "company_id": digest.company_id.id,
                "partner_id": digest.partner_id.id,
                "digest_id": digest.id,
                "move_id": line.move_id.id,
                "level_id": line.level_id.id,
                "currency_id": line.currency_id.id,
                "amount_fixed": line.fee_fixed,
                "amount_percent": line.fee_percent,
                "amount_interest": line.fee_interest,
                "interest_days": line.interest_days,
                "days_overdue": line.days_overdue,
                "amount": line.amount_residual,
            }
            for digest in self
            for line in digest.fee_line_ids
        ]
        return self.env["invoice.reminder.fee"].sudo().create(vals_list)

    def _prepare_fee_invoice_vals(self, currency, fees):
        """The values of the fee invoice of this reminder in ``currency`` (hook)."""
        self.ensure_one()
        product = self.policy_id.fee_product_id
        return {
            "move_type": "out_invoice",
            "partner_id": self.partner_id.id,
            "currency_id": currency.id,
            "invoice_date": self.period,
            "invoice_origin": self.display_name,
            "invoice_line_ids": [
                Command.create(
                    {
                        "product_id": product.id,
                        "name": self.env._(
                            "Late fee and interest on %(invoice)s (%(level)s)",
                            invoice=fee.move_id.name,
                            level=fee.level_id.name,
                        ),
                        "quantity": 1,
                        "price_unit": fee.amount,
                    }
                )
                for fee in fees
            ],
        }

    def _create_fee_invoices(self):
        """One fee invoice per currency of the fees of this reminder not invoiced yet."""
        self.ensure_one()
        fees = (
            self.env["invoice.reminder.fee"]
            .sudo()
            .search([("digest_id", "=", self.id), ("fee_move_id", "=", False)])
        )
        by_currency = defaultdict(lambda: self.env["invoice.reminder.fee"].sudo())
        for fee in fees:
            by_currency[fee.currency_id] |= fee
        Move = self.env["account.move"].sudo().with_company(self.company_id)
        moves = Move
        for currency, currency_fees in by_currency.items():
            move = Move.create(self._prepare_fee_invoice_vals(currency, currency_fees))
            if self.policy_id.fee_invoice == "posted":
                move.action_post()
            currency_fees.write({"fee_move_id": move.id})
            moves |= move
        return moves

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def _do_actions(self, planned):
        """Do the ``planned`` actions of this reminder, log them and tell the chatter.

        One action that fails is recorded as failed with its reason, like a
        mail failure, and neither stops the others nor the run.
        """
        self.ensure_one()
        Action = self.env["invoice.reminder.action"].sudo()
        vals_list = []
        for action in planned:
            vals = {
                "digest_id": self.id,
                "kind": action["kind"],
                "state": action["state"],
                "detail": action.get("detail") or False,
            }
            if action["state"] == "queued":
                try:
                    with self.env.cr.savepoint():
                        vals.update(self._do_action(action))
                except Exception as error:  # one action's error must not stop the others
                    _logger.info(
                        "Action %s of reminder %s failed: %s", action["kind"], self.id, error
                    )
                    reason = error.args[0] if isinstance(error, UserError) and error.args else error
                    vals.update({"state": "failed", "detail": str(reason)})
            vals_list.append(vals)
        actions = Action.create(vals_list)
        self._post_actions_note(actions)
        return actions

    def _do_action(self, action):
        """Do one action; returns the values to write on its log (hook: the SMS add-on)."""
        kind = action["kind"]
        if kind == "fee_invoice":
            moves = self._create_fee_invoices()
            if not moves:
                return {"state": "skipped", "detail": _("The fees were already invoiced")}
            return {
                "state": "done",
                "fee_move_id": moves[:1].id,
                "detail": ", ".join(
                    f"{move.name if move.state == 'posted' else self.env._('Draft')} "
                    f"({format_amount(self.env, move.amount_total, move.currency_id)})"
                    for move in moves
                ),
            }
        if kind == "activity":
            level = self.level_id
            activity = (
                self.partner_id.sudo()
                .with_context(mail_activity_quick_update=True)
                .activity_schedule(
                    activity_type_id=level.activity_type_id.id,
                    summary=level.activity_summary or level.activity_type_id.name,
                    note=_(
                        "Payment reminder %(level)s of %(date)s: %(amounts)s overdue.",
                        level=level.name,
                        date=self.period,
                        amounts=self.totals_display,
                    ),
                    date_deadline=self.period + timedelta(days=level.activity_days),
                    user_id=action["user_id"],
                )
            )
            return {"state": "done", "activity_id": activity.id}
        if kind == "letter":
            # printed with every letter of the run when the run is built
            return {"state": "queued"}
        raise UserError(_("Unknown reminder action %(kind)s.", kind=kind))

    def _post_actions_note(self, actions):
        """A note on the customer's chatter listing what this reminder did besides its email."""
        self.ensure_one()
        if not actions:
            return
        body = self.env["ir.qweb"]._render(
            "invoice_reminders.invoice_reminder_actions_note",
            {"digest": self, "actions": actions, "labels": self._action_labels()},
        )
        self.partner_id.sudo().message_post(
            body=body,
            message_type="comment",
            subtype_xmlid="mail.mt_note",
            author_id=self.company_id.partner_id.id,
        )

    def _action_labels(self):
        Action = self.env["invoice.reminder.action"]
        return {
            "kind": dict(Action._fields["kind"]._description_selection(self.env)),
            "state": dict(Action._fields["state"]._description_selection(self.env)),
        }

    # ------------------------------------------------------------------
    # Statement
    # ------------------------------------------------------------------

    def _prepare_statement_fees(self, data):
        """Add the late fees of this reminder to its statement's ``data``."""
        if not self.fee_line_ids:
            return data
        env = self.with_context(lang=data["lang"]).env
        data["labels"]["fees"] = env._("Late fees and interest")
        data["fee_columns"] = [
            env._("Invoice"),
            env._("Level"),
            env._("Detail"),
            env._("Amount"),
        ]
        data["fees"] = []
        for line in self.fee_line_ids.with_env(env):
            parts = []
            for value, label in (
                (line.fee_fixed, env._("fixed fee")),
                (line.fee_percent, env._("percentage fee")),
            ):
                if value:
                    parts.append(f"{label} {format_amount(env, value, line.currency_id)}")
            if line.fee_interest:
                parts.append(
                    env._(
                        "interest %(amount)s (%(days)s days)",
                        amount=format_amount(env, line.fee_interest, line.currency_id),
                        days=line.interest_days,
                    )
                )
            data["fees"].append(
                {
                    "name": line.move_id.name or line.name,
                    "level": line.level_id.name or "",
                    "detail": ", ".join(parts),
                    "amount": format_amount(env, line.amount_residual, line.currency_id),
                }
            )
        fee_totals = {
            total["currency"].name: (total["fee"], total["net"], total["currency"])
            for total in self._get_totals()
            if total.get("fee")
        }
        data["fee_totals"] = [
            {
                "currency": name,
                "label": env._("Late fees and interest"),
                "fee": format_amount(env, fee, currency),
                "total_label": env._("Total with fees"),
                "total": format_amount(env, net + fee, currency),
            }
            for name, (fee, net, currency) in sorted(fee_totals.items())
        ]
        return data

    # ------------------------------------------------------------------
    # Letter
    # ------------------------------------------------------------------

    def _prepare_letter_data(self):
        """The statement's data, with the address block of a window envelope."""
        self.ensure_one()
        data = self._prepare_statement_data()
        Statement = self.env["invoice.reminder.statement"]
        company = self.company_id.partner_id
        partner = self.partner_id
        data["letter"] = {
            "return_address": " · ".join(
                [self.company_id.name, *Statement._address_lines(company)]
            ),
            "address_lines": [partner.display_name, *Statement._address_lines(partner)],
        }
        return data
