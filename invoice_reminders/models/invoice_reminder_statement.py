import base64
import io
import logging
import subprocess

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools.image import image_data_uri
from odoo.tools.misc import find_in_path, format_amount, format_date
from odoo.tools.pdf import merge_pdf

from .. import pdf, rules

_logger = logging.getLogger(__name__)

try:
    import pdfkit
except ImportError:  # pragma: no cover - declared in external_dependencies
    pdfkit = None
try:
    import docx
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt
except ImportError:  # pragma: no cover - declared in external_dependencies
    docx = None

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
        env = self.with_context(lang=lang).env
        partner = partner.with_env(env)
        company = company.with_env(env)
        date = date or fields.Date.context_today(self.with_env(env))

        def amount(value, currency):
            return format_amount(env, value or 0.0, currency)

        company_lines = self._address_lines(company.partner_id)
        if company.vat:
            company_lines.append(env._("Tax ID: %(vat)s", vat=company.vat))
        company_lines += [value for value in (company.email, company.phone) if value]
        customer_lines = self._address_lines(partner)
        if partner.vat:
            customer_lines.append(env._("Tax ID: %(vat)s", vat=partner.vat))
        if partner.ref:
            customer_lines.append(env._("Customer reference: %(ref)s", ref=partner.ref))

        payment_lines = [
            env._("Please pay the amounts due by bank transfer, quoting the invoice numbers.")
        ]
        for bank in company.partner_id.bank_ids:
            payment_lines.append(
                env._("Account %(account)s", account=bank.display_name)
                + (f" ({bank.bank_id.bic})" if bank.bank_id.bic else "")
            )
        payment_lines.append(
            env._("If you have already paid, please disregard this statement. Thank you.")
        )

        def image(value):
            if not (with_signature and value):
                return False
            return {"uri": image_data_uri(value), "raw": base64.b64decode(value)}

        title = env._("Statement of Overdue Invoices")
        amount_due = [
            {"currency": total["currency"].name, "amount": amount(total["net"], total["currency"])}
            for total in totals
            if (total["net"] or 0.0) > 0
        ]
        return {
            "lang": lang,
            "lang_iso": env["res.lang"]._lang_get(lang).iso_code or "en",
            "title": title,
            "date": format_date(env, date),
            "date_raw": date,
            "reference": reference or "",
            "pay_by": format_date(env, pay_by) if pay_by else "",
            "amount_due": amount_due,
            "logo": {"uri": image_data_uri(company.logo), "raw": base64.b64decode(company.logo)}
            if company.logo
            else False,
            "company": {"name": company.name, "lines": company_lines},
            "customer": {"name": partner.display_name, "lines": customer_lines},
            "labels": {
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
            },
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
                    "date": format_date(env, invoice["date"]) if invoice["date"] else "",
                    "date_due": format_date(env, invoice["date_due"])
                    if invoice["date_due"]
                    else "",
                    "days_overdue": str(invoice.get("days_overdue") or 0),
                    "amount": amount(invoice["amount"], invoice["currency"]),
                    "url": invoice.get("url") or "",
                }
                for invoice in invoices
            ],
            "credits": [
                {
                    "name": credit["name"] or "",
                    "date": format_date(env, credit["date"]) if credit["date"] else "",
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
            "payment_lines": payment_lines,
            "signature": image(company.reminder_signature),
            "stamp": image(company.reminder_stamp),
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
        currencies = {c.name: c for c in (moves.currency_id | credit_lines.currency_id)}
        totals = (
            [
                {
                    "currency": currencies[name],
                    "due": float(total.due),
                    "credit": float(total.credit),
                    "net": float(total.net),
                }
                for name, total in sorted(grouped[0].totals.items())
            ]
            if grouped
            else []
        )
        return self._prepare_statement_data(
            partner,
            company,
            invoices,
            credits,
            totals,
            date=today,
            reference=_("Preview"),
            with_signature=with_signature,
            pay_by=pay_by,
        )

    @api.model
    def _render_partner_statement(self, partner, report_format):
        """A preview statement of ``partner``, as the first level of its ladder builds it.

        Signature and stamp, online links and file name follow that level.

        :returns: ``(content, file name, mimetype)``
        """
        partner = partner.commercial_partner_id
        policy = partner.reminder_policy_id or self.env.company.reminder_policy_id
        level = policy._levels_sorted()[:1] if policy else self.env["invoice.reminder.level"]
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
        if docx is None:
            raise UserError(_("The Python library python-docx is not installed."))
        try:
            # Word is XML: characters it cannot hold (control characters) are dropped
            return self._build_docx(rules.xml_text(data))
        except Exception as error:  # e.g. an image format Word refuses
            _logger.info("Statement Word document not built: %s", error)
            raise UserError(
                _("The statement Word document could not be built: %(error)s", error=error)
            ) from error

    @api.model
    def _build_docx(self, data):
        document = docx.Document()
        style = document.styles["Normal"]
        style.font.name = "Arial"
        style.font.size = Pt(10)
        section = document.sections[0]
        section.left_margin = section.right_margin = Cm(1.5)
        section.top_margin = section.bottom_margin = Cm(1.5)

        if data.get("logo"):
            document.add_paragraph().add_run().add_picture(
                io.BytesIO(data["logo"]["raw"]), height=Cm(1.5)
            )
        heading = document.add_paragraph()
        heading.add_run(data["company"]["name"]).bold = True
        for line in data["company"]["lines"]:
            heading.add_run("\n" + line)
        title = document.add_paragraph()
        title.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        title_run = title.add_run(data["title"])
        title_run.bold = True
        title_run.font.size = Pt(14)
        title.add_run(f"\n{data['labels']['date']}: {data['date']}")
        if data["reference"]:
            title.add_run(f"\n{data['labels']['reference']}: {data['reference']}")

        customer = document.add_paragraph()
        customer.add_run(data["labels"]["customer"] + "\n").italic = True
        customer.add_run(data["customer"]["name"]).bold = True
        for line in data["customer"]["lines"]:
            customer.add_run("\n" + line)
        if data.get("amount_due"):
            due = document.add_paragraph()
            due.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            due.add_run(data["labels"]["amount_due"]).italic = True
            for row in data["amount_due"]:
                amount_run = due.add_run("\n" + row["amount"])
                amount_run.bold = True
                amount_run.font.size = Pt(13)
            if data["pay_by"]:
                due.add_run("\n" + data["labels"]["pay_by"]).bold = True
        document.add_paragraph(data["labels"]["intro"])

        columns = data["columns"]
        rows = [
            [row["name"], row["date"], row["date_due"], row["days_overdue"], row["amount"]]
            for row in data["invoices"]
        ]
        self._docx_table(
            document, [c["label"] for c in columns], rows, [c["align"] for c in columns]
        )

        if data["credits"]:
            document.add_paragraph().add_run(data["labels"]["credits"]).bold = True
            self._docx_table(
                document,
                None,
                [[c["name"], c["date"], c["amount"]] for c in data["credits"]],
                ["left", "left", "right"],
            )
        # late fees and interest, when the reminder charges them
        self._docx_fees(document, data)
        document.add_paragraph()
        totals = self._docx_table(
            document,
            data["total_columns"],
            [[t["currency"], t["due"], t["credit"], t["net"]] for t in data["totals"]],
            ["right"] * 4,
        )
        totals.alignment = WD_TABLE_ALIGNMENT.RIGHT

        payment = document.add_paragraph()
        payment.add_run(data["labels"]["payment"]).bold = True
        for line in data["payment_lines"]:
            payment.add_run("\n" + line)

        if data.get("answer_link"):
            answer = document.add_paragraph()
            answer.add_run(data["answer_link"]["label"] + ": ").bold = True
            answer.add_run(data["answer_link"]["url"])

        if data["signature"] or data["stamp"]:
            foot = document.add_paragraph()
            if data["signature"]:
                foot.add_run().add_picture(io.BytesIO(data["signature"]["raw"]), width=Cm(5))
                foot.add_run("    ")
            if data["stamp"]:
                foot.add_run().add_picture(io.BytesIO(data["stamp"]["raw"]), width=Cm(3))
        stream = io.BytesIO()
        document.save(stream)
        return stream.getvalue()

    @api.model
    def _docx_fees(self, document, data):
        """The late fees of a statement as a Word table, when it has any."""
        if not data.get("fees"):
            return None
        document.add_paragraph().add_run(data["labels"]["fees"]).bold = True
        self._docx_table(
            document,
            data["fee_columns"],
            [[fee["name"], fee["level"], fee["detail"], fee["amount"]] for fee in data["fees"]],
            ["left", "left", "left", "right"],
        )
        for total in data["fee_totals"]:
            document.add_paragraph(
                f"{total['currency']}: {total['label']} {total['fee']} — "
                f"{total['total_label']} {total['total']}"
            )
        return None

    @api.model
    def _docx_table(self, document, header, rows, aligns):
        """A real Word table, filled row by row (python-docx' cell() is slow on big tables)."""
        table = document.add_table(rows=1 if header else 0, cols=len(aligns))
        table.style = "Table Grid"
        alignment = {"left": WD_ALIGN_PARAGRAPH.LEFT, "right": WD_ALIGN_PARAGRAPH.RIGHT}
        if header:
            for cell, label, align in zip(table.rows[0].cells, header, aligns, strict=True):
                paragraph = cell.paragraphs[0]
                paragraph.add_run(label).bold = True
                paragraph.alignment = alignment[align]
        for values in rows:
            cells = table.add_row().cells
            for cell, value, align in zip(cells, values, aligns, strict=True):
                paragraph = cell.paragraphs[0]
                paragraph.add_run(value)
                paragraph.alignment = alignment[align]
        return table

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
