import logging
import re
from collections import defaultdict

from odoo import _, api, models
from odoo.exceptions import UserError
from odoo.tools.misc import format_amount, split_every

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


class InvoiceReminderDigestDocuments(models.AbstractModel):
    """The documents of a payment reminder (mixed into ``invoice.reminder.digest``).

    Its statement (data, PDF, Word), its letter, the PDFs of its invoices, and
    what its level attaches to the email, built for a whole batch at once
    where it can (:meth:`_prerender_documents`).
    """

    _name = "invoice.reminder.digest.documents"
    _description = "Payment Reminder Documents"

    # ------------------------------------------------------------------
    # Statement and letter data
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

    # ------------------------------------------------------------------
    # Invoice PDFs and attachments
    # ------------------------------------------------------------------

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

    @api.model
    def _invoice_pdf_filename(self, move):
        """The file name of ``move``'s PDF, as Odoo names it when it prints it.

        Odoo 18.0 builds since 2025 name it by the invoice report's *Printed
        Report Name* and fail (``'bool' object has no attribute 'strip'``) on a
        custom report without one; Odoo 19.0 then falls back to the number, as
        the 2024 builds always did: so does this, on every build.
        """
        report = move.partner_id.invoice_template_pdf_report_id or self.env.ref(
            "account.account_invoices"
        )
        if report.print_report_name:
            return move._get_invoice_report_filename()
        return "{}.pdf".format(move.name.replace("/", "_"))

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
            self.env["invoice.reminder.statement"]._wkhtmltopdf_path(),
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
            # an invoice's legal PDF is the attachment of one of its fields, which
            # Odoo 19.0 hides from a mail's attachments: the mail carries a copy
            # (the same file of the filestore, nothing rendered again)
            legal = stored.filtered("res_field")
            stored -= legal
            contents.extend((pdf.name, pdf.raw, PDF_MIMETYPE) for pdf in legal)
            done = prerendered.get("invoice_pdf") or {}
            missing = to_render.filtered(lambda move: move.id not in done)
            rendered = {**done, **self._render_invoice_pdfs(missing)}
            for move in to_render:
                raw = rendered[move.id]
                if isinstance(raw, str):
                    raise UserError(raw)
                contents.append((self._invoice_pdf_filename(move), raw, PDF_MIMETYPE))
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
                names.append(stored.name if stored else self._invoice_pdf_filename(move))
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
        level = self.level_id
        wanted = (level.attach_invoice_pdf, level.attach_statement_pdf, level.attach_statement_docx)
        if not any(wanted):
            # nothing to build, nothing to fail: no savepoint (a flush and two queries)
            return self.env["ir.attachment"]
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
