import base64
import logging
import subprocess

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools.image import image_data_uri
from odoo.tools.misc import find_in_path, format_amount, format_date
from odoo.tools.pdf import merge_pdf

from .. import pdf, rules, word

_logger = logging.getLogger(__name__)

try:
    import pdfkit
except ImportError:  # pragma: no cover - declared in external_dependencies
    pdfkit = None

WKHTMLTOPDF_PARAM = "invoice_reminders.wkhtmltopdf_path"
DEFAULT_WKHTMLTOPDF = "/usr/bin/wkhtmltopdf"
PDF_MIMETYPE = "application/pdf"
DOCX_MIMETYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
STATEMENT_FORMATS = {"pdf": PDF_MIMETYPE, "docx": DOCX_MIMETYPE}
PROCESSES_PARAM = "invoice_reminders.pdf_processes"
MAX_PROCESSES = 4
# wkhtmltopdf: quiet (nothing in Odoo's log), nothing fetched from disk or network,
# no script: the statement is self-contained HTML
STATEMENT_PDF_ARGS = (
    "--encoding",
    "UTF-8",
    "--page-size",
    "A4",
    "--margin-top",
    "15mm",
    "--margin-bottom",
    "15mm",
    "--margin-left",
    "12mm",
    "--margin-right",
    "12mm",
    "--disable-javascript",
    "--disable-local-file-access",
    "--disable-external-links",
)


# no page margin: the letter places its address block for a window envelope itself
LETTER_PDF_ARGS = (
    "--encoding",
    "UTF-8",
    "--page-size",
    "A4",
    "--margin-top",
    "0mm",
    "--margin-bottom",
    "10mm",
    "--margin-left",
    "0mm",
    "--margin-right",
    "0mm",
    "--disable-javascript",
    "--disable-local-file-access",
    "--disable-external-links",
)
# wkhtmltopdf built on an unpatched Qt (Debian's) prints CSS millimetres at 1/1.3 of
# their size: the letter is zoomed back so that the address lands in the window
UNPATCHED_QT_ZOOM = 1.3
_zoom_of = {}


class InvoiceReminderStatement(models.AbstractModel):
    """Statement of a customer's overdue invoices, as PDF (pdfkit) and Word (python-docx).

    Both documents are built from the same plain dict, prepared once by
    :meth:`_prepare_statement_data` in the customer's language, so they show
    the same rows, amounts and totals.
    """

    _name = "invoice.reminder.statement"
    _description = "Payment Reminder Statement"

    # ------------------------------------------------------------------
    # Data
    # ------------------------------------------------------------------

    @api.model
    def _statement_lang(self, partner):
        lang = partner.lang or partner.company_id.partner_id.lang or self.env.lang or "en_US"
        return lang if self.env["res.lang"]._lang_get(lang) else "en_US"

    @api.model
    def _address_lines(self, partner):
        lines = [
            line.strip()
            for line in (partner._display_address(without_company=True) or "").splitlines()
        ]
        return [line for line in lines if line]

    @api.model
    def _prepare_statement_data(
        self,
        partner,
        company,
        invoices,
        credits,
        totals,
        date=None,
        reference=None,
        with_signature=False,
        pay_by=None,
    ):
        """The statement's content, translated and formatted for the customer.

        :param partner: the customer (``res.partner``)
        :param company: the issuing company (``res.company``)
        :param invoices: dicts with ``name``, ``date``, ``date_due``, ``days_overdue``,
            ``amount`` (due), ``currency`` (``res.currency``), optional ``url``
        :param credits: dicts with ``name``, ``date``, ``amount``, ``currency``
        :param totals: dicts with ``currency`` (``res.currency``), ``due``, ``credit``, ``net``
        :param date: the statement's date (today by default)
        :param reference: shown under the date (e.g. the reminder level)
        :param with_signature: print the company's signature and stamp
        :param pay_by: the date by which the customer is asked to pay
        :returns: a plain dict of strings and lists, the same for PDF and Word
        """
        lang = self._statement_lang(partner)
        # every label, date and amount in the customer's language
        statement = self.with_context(lang=lang)
        env = statement.env
        partner = partner.with_env(env)
        company = company.with_env(env)
        date = date or fields.Date.context_today(statement)

        def image(value):
            if not (with_signature and value):
                return False
            return {"uri": image_data_uri(value), "raw": base64.b64decode(value)}

        return {
            "lang": lang,
            "lang_iso": env["res.lang"]._lang_get(lang).iso_code or "en",
            "title": env._("Statement of Overdue Invoices"),
            "date": format_date(env, date),
            "date_raw": date,
            "reference": reference or "",
            "pay_by": format_date(env, pay_by) if pay_by else "",
            "amount_due": [
                {
                    "currency": total["currency"].name,
                    "amount": statement._statement_amount(total["net"], total["currency"]),
                }
                for total in totals
                if (total["net"] or 0.0) > 0
            ],
            "logo": {"uri": image_data_uri(company.logo), "raw": base64.b64decode(company.logo)}
            if company.logo
            else False,
            "company": {"name": company.name, "lines": statement._company_lines(company)},
            "customer": {"name": partner.display_name, "lines": statement._customer_lines(partner)},
            "labels": statement._statement_labels(pay_by),
            **statement._statement_rows(invoices, credits, totals),
            "payment_lines": statement._payment_lines(company),
            "signature": image(company.reminder_signature),
            "stamp": image(company.reminder_stamp),
        }

    @api.model
    def _statement_amount(self, value, currency):
        return format_amount(self.env, value or 0.0, currency)

    @api.model
    def _company_lines(self, company):
        """The issuing company's address, tax id, email and phone."""
        lines = self._address_lines(company.partner_id)
        if company.vat:
            lines.append(self.env._("Tax ID: %(vat)s", vat=company.vat))
        return lines + [value for value in (company.email, company.phone) if value]

    @api.model
    def _customer_lines(self, partner):
        """The customer's address, tax id and reference."""
        lines = self._address_lines(partner)
        if partner.vat:
            lines.append(self.env._("Tax ID: %(vat)s", vat=partner.vat))
        if partner.ref:
            lines.append(self.env._("Customer reference: %(ref)s", ref=partner.ref))
        return lines

    @api.model
    def _payment_lines(self, company):
        """How to pay: by transfer to the company's bank accounts."""
        env = self.env
        lines = [env._("Please pay the amounts due by bank transfer, quoting the invoice numbers.")]
        for bank in company.partner_id.bank_ids:
            lines.append(
                env._("Account %(account)s", account=bank.display_name)
                + (f" ({bank.bank_id.bic})" if bank.bank_id.bic else "")
            )
        lines.append(env._("If you have already paid, please disregard this statement. Thank you."))
        return lines

    @api.model
    def _statement_labels(self, pay_by):
        env = self.env
        return {
            "date": env._("Date"),
            "reference": env._("Reference"),
            "customer": env._("Customer"),
            "intro": env._(
                "According to our records, the following invoices are overdue. "
                "Amounts are what remains due on each invoice."
            ),
            "credits": env._("Credits in your favour"),
            "payment": env._("Payment instructions"),
            "amount_due": env._("Amount due"),
            "pay_by": env._("Please pay by %(date)s", date=format_date(env, pay_by))
            if pay_by
            else "",
        }

    @api.model
    def _statement_rows(self, invoices, credits, totals):
        """The tables of the statement: invoices, credits, totals, with their columns."""
        env = self.env
        amount = self._statement_amount

        def day(value):
            return format_date(env, value) if value else ""

        return {
            "columns": [
                {"label": env._("Invoice"), "align": "left"},
                {"label": env._("Date"), "align": "left"},
                {"label": env._("Due Date"), "align": "left"},
                {"label": env._("Days Overdue"), "align": "right"},
                {"label": env._("Amount Due"), "align": "right"},
            ],
            "invoices": [
                {
                    "name": invoice["name"] or "",
                    "date": day(invoice["date"]),
                    "date_due": day(invoice["date_due"]),
                    "days_overdue": str(invoice.get("days_overdue") or 0),
                    "amount": amount(invoice["amount"], invoice["currency"]),
                    "url": invoice.get("url") or "",
                }
                for invoice in invoices
            ],
            "credits": [
                {
                    "name": credit["name"] or "",
                    "date": day(credit["date"]),
                    "amount": amount(credit["amount"], credit["currency"]),
                }
                for credit in credits
            ],
            "total_columns": [
                env._("Currency"),
                env._("Amount Due"),
                env._("Credits"),
                env._("Net Due"),
            ],
            "totals": [
                {
                    "currency": total["currency"].name,
                    "due": amount(total["due"], total["currency"]),
                    "credit": amount(total["credit"], total["currency"]),
                    "net": amount(total["net"], total["currency"]),
                }
                for total in totals
            ],
        }

    @api.model
    def _partner_statement_moves(self, partner):
        """The overdue invoices of ``partner`` in the current company, for a printed statement."""
        today = fields.Date.context_today(self)
        return self.env["account.move"].search(
            [
                ("commercial_partner_id", "=", partner.commercial_partner_id.id),
                ("company_id", "=", self.env.company.id),
                ("move_type", "=", "out_invoice"),
                ("state", "=", "posted"),
                ("payment_state", "not in", ("paid", "in_payment", "reversed")),
                ("amount_residual", ">", 0),
                ("invoice_date_due", "<", today),
            ],
            order="invoice_date_due, id",
        )

    @api.model
    def _prepare_partner_statement_data(
        self, partner, with_signature=False, with_links=True, pay_within_days=None
    ):
        """A preview statement of the customer's currently overdue invoices (no digest).

        :param with_links: link each invoice to the customer portal
        :param pay_within_days: ask for payment by today plus these days
        """
        partner = partner.commercial_partner_id
        company = self.env.company
        today = fields.Date.context_today(self)
        pay_by = fields.Date.add(today, days=pay_within_days) if pay_within_days else None
        moves = self._partner_statement_moves(partner)
        invoices = [
            {
                "name": move.name,
                "date": move.invoice_date,
                "date_due": move.invoice_date_due,
                "days_overdue": rules.days_overdue(today, move.invoice_date_due, move.invoice_date),
                "amount": move.amount_residual,
                "currency": move.currency_id,
                "url": self._partner_statement_url(move) if with_links else "",
            }
            for move in moves
        ]
        credit_lines = self.env["account.move.line"].search(
            [
                ("partner_id", "child_of", partner.id),
                ("company_id", "=", company.id),
                ("account_id.account_type", "=", "asset_receivable"),
                ("parent_state", "=", "posted"),
                ("reconciled", "=", False),
                ("amount_residual", "<", 0),
            ],
            order="date, id",
        )
        credits = [
            {
                "name": line.move_id.name,
                "date": line.date,
                "amount": -line.amount_residual_currency,
                "currency": line.currency_id,
            }
            for line in credit_lines
        ]
        return self._prepare_statement_data(
            partner,
            company,
            invoices,
            credits,
            self._partner_statement_totals(partner, moves, credit_lines),
            date=today,
            reference=_("Preview"),
            with_signature=with_signature,
            pay_by=pay_by,
        )

    @api.model
    def _partner_statement_totals(self, partner, moves, credit_lines):
        """Totals per currency of a preview statement's invoices and credits."""
        grouped = rules.group_digests(
            [
                rules.Line(
                    partner_id=partner.id,
                    invoice_id=move.id,
                    currency=move.currency_id.name,
                    amount=move.amount_residual,
                    level=0,
                    kind=rules.KIND_INVOICE,
                )
                for move in moves
            ]
            + [
                rules.Line(
                    partner_id=partner.id,
                    invoice_id=line.move_id.id,
                    currency=line.currency_id.name,
                    amount=-line.amount_residual_currency,
                    level=None,
                    kind=rules.KIND_CREDIT,
                )
                for line in credit_lines
            ]
        )
        if not grouped:
            return []
        currencies = {c.name: c for c in (moves.currency_id | credit_lines.currency_id)}
        return [
            {
                "currency": currencies[name],
                "due": float(total.due),
                "credit": float(total.credit),
                "net": float(total.net),
            }
            for name, total in sorted(grouped[0].totals.items())
        ]

    @api.model
    def _render_partner_statement(self, partner, report_format):
        """A preview statement of ``partner``, as the first level of its ladder builds it.

        Signature and stamp, online links and file name follow that level.

        :returns: ``(content, file name, mimetype)``
        """
        partner = partner.commercial_partner_id
        level = self._partner_statement_level(partner)
        data = self._prepare_partner_statement_data(
            partner,
            with_signature=level.print_signature_stamp,
            # as the reminder would: portal links only where the level includes them
            with_links=level.include_links if level else True,
            pay_within_days=level.pay_within_days if level else None,
        )
        content = self._render_statement(data, report_format)
        filename = self._statement_filename(
            data, level.attachment_name, report_format, self.env.company
        )
        return content, filename, STATEMENT_FORMATS[report_format]

    @api.model
    def _partner_statement_level(self, partner):
        """The level a printed statement of ``partner`` follows: its ladder's first."""
        policy = partner.reminder_policy_id or self.env.company.reminder_policy_id
        return policy._levels_sorted()[:1] if policy else self.env["invoice.reminder.level"]

    @api.model
    def _partner_statement_url(self, move):
        """An invoice's portal link on a statement printed by a user.

        Printing reads: the tokens are created beforehand by the print action
        (res.partner._reminder_prepare_statement_links); an invoice without one
        gets no link rather than a token written by a plain GET.
        """
        if not move.access_token:
            return ""
        return move.get_base_url() + move.get_portal_url()

    @api.model
    def _statement_filename(self, data, pattern, extension, company=None):
        return rules.expand_filename(
            pattern,
            extension,
            customer=data["customer"]["name"],
            date=data["date_raw"],
            company=(company or self.env.company).name,
        )

    # ------------------------------------------------------------------
    # Documents
    # ------------------------------------------------------------------

    @api.model
    def _render_statement(self, data, report_format):
        """The statement as ``pdf`` or ``docx`` bytes; a failure raises a UserError."""
        if report_format == "pdf":
            return self._render_statement_pdf(data)
        if report_format == "docx":
            return self._render_statement_docx(data)
        raise UserError(_("Unknown statement format %(format)s.", format=report_format))

    @api.model
    def _render_statement_html(self, data):
        return (
            self.env["ir.qweb"]
            .with_context(lang=data["lang"])
            ._render("invoice_reminders.invoice_reminder_statement_document", {"data": data})
        )

    @api.model
    def _wkhtmltopdf_path(self):
        """wkhtmltopdf binary: the system parameter, else the one on the PATH."""
        path = self.env["ir.config_parameter"].sudo().get_param(WKHTMLTOPDF_PARAM)
        if path:
            return path
        try:
            return find_in_path("wkhtmltopdf") or DEFAULT_WKHTMLTOPDF
        except OSError:
            return DEFAULT_WKHTMLTOPDF

    @api.model
    def _pdf_processes(self):
        """At most this many wkhtmltopdf processes at once (system parameter, else one per core)."""
        value = self.env["ir.config_parameter"].sudo().get_param(PROCESSES_PARAM)
        try:
            return max(1, int(value)) if value else min(pdf.default_processes(), MAX_PROCESSES)
        except ValueError:
            return min(pdf.default_processes(), MAX_PROCESSES)

    @api.model
    def _checked_wkhtmltopdf_path(self):
        """The wkhtmltopdf binary, or a UserError that names it when it is missing."""
        path = self._wkhtmltopdf_path()
        if pdfkit is None:
            raise UserError(_("The Python library pdfkit is not installed."))
        try:
            pdfkit.configuration(wkhtmltopdf=path)
        except OSError as error:
            _logger.info("Statement PDF not built with %s: %s", path, error)
            raise UserError(
                _(
                    "The statement PDF could not be built with wkhtmltopdf (%(path)s): %(error)s",
                    path=path,
                    error=str(error).strip()[:500],
                )
            ) from error
        return path

    @api.model
    def _render_statements_pdf(self, data_list):
        """The statement PDFs of several customers at once.

        A few wkhtmltopdf processes convert them all, several statements per
        process (see :mod:`invoice_reminders.pdf`): each PDF is what rendering
        that statement alone gives.

        :param data_list: statements, as :meth:`_prepare_statement_data` returns them
        :returns: one item per statement: its PDF (bytes), or the reason it could
            not be built (str, translated)
        :raises UserError: wkhtmltopdf is missing (no statement can be built)
        """
        if not data_list:
            return []
        path = self._checked_wkhtmltopdf_path()
        documents = [
            pdf.Document(str(self._render_statement_html(data)), STATEMENT_PDF_ARGS)
            for data in data_list
        ]
        results = pdf.convert(path, documents, processes=self._pdf_processes())
        output = []
        for result in results:
            if result:
                output.append(result.pdf)
            else:
                _logger.info("Statement PDF not built with %s: %s", path, result.error)
                output.append(
                    _(
                        "The statement PDF could not be built with wkhtmltopdf "
                        "(%(path)s): %(error)s",
                        path=path,
                        error=result.error,
                    )
                )
        return output

    @api.model
    def _render_statement_pdf(self, data):
        content = self._render_statements_pdf([data])[0]
        if isinstance(content, str):
            raise UserError(content)
        return content

    @api.model
    def _render_statement_docx(self, data):
        if not word.available():
            raise UserError(_("The Python library python-docx is not installed."))
        try:
            # Word is XML: characters it cannot hold (control characters) are dropped
            return word.build(rules.xml_text(data))
        except Exception as error:  # e.g. an image format Word refuses
            _logger.info("Statement Word document not built: %s", error)
            raise UserError(
                _("The statement Word document could not be built: %(error)s", error=error)
            ) from error

    def _render_letters_pdf(self, letters):
        """Letters (statement data with ``letter``) as one PDF; raises a UserError on failure."""
        path = self._checked_wkhtmltopdf_path()
        html = (
            self.env["ir.qweb"]
            .with_context(lang=letters[0]["lang"] if letters else None)
            ._render(
                "invoice_reminders.invoice_reminder_letter_document",
                {"letters": letters, "zoom": self._letter_zoom(path)},
            )
        )
        [result] = pdf.convert(path, [pdf.Document(str(html), LETTER_PDF_ARGS)])
        if not result:
            _logger.info("Letters not built with %s: %s", path, result.error)
            raise UserError(
                _(
                    "The letters could not be built with wkhtmltopdf (%(path)s): %(error)s",
                    path=path,
                    error=result.error,
                )
            )
        return result.pdf

    def _letter_zoom(self, path):
        """1 with a wkhtmltopdf on a patched Qt, else the zoom that gives true millimetres."""
        if path not in _zoom_of:
            try:
                version = subprocess.run(
                    [path, "--version"],
                    stdin=subprocess.DEVNULL,
                    capture_output=True,
                    text=True,
                    timeout=30,
                    check=False,
                ).stdout
            except OSError:
                version = ""
            _zoom_of[path] = 1.0 if "patched qt" in version.lower() else UNPATCHED_QT_ZOOM
        return _zoom_of[path]

    def _merge_pdfs(self, pdfs):
        return merge_pdf(pdfs)
