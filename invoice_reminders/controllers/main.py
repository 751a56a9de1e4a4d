import logging

from werkzeug.exceptions import Forbidden, NotFound

from odoo import http
from odoo.exceptions import AccessError, UserError
from odoo.http import content_disposition, request
from odoo.tools import consteq

from ..models.invoice_reminder_statement import STATEMENT_FORMATS

_logger = logging.getLogger(__name__)


def digest_for_token(digest_id, access_token):
    """The reminder ``digest_id`` as superuser if ``access_token`` is its own; else 404.

    The token is compared in constant time; a missing reminder and a wrong or
    missing token answer the same 404: nothing tells whether a reminder exists.
    """
    # sudo: the one reminder whose token is checked just below, nothing else
    digest_sudo = request.env["invoice.reminder.digest"].sudo().browse(digest_id).exists()
    if (
        not digest_sudo
        or not access_token
        or not digest_sudo.access_token
        or not consteq(str(digest_sudo.access_token), str(access_token))
    ):
        raise NotFound()
    return digest_sudo


class InvoiceReminderStatementController(http.Controller):
    """Download of reminder statements: by customers (token) and by users (preview)."""

    def _statement_response(self, render, *args):
        """Call ``render(*args)`` and send the document it returns, or answer 503."""
        try:
            content, filename, mimetype = render(*args)
        except UserError as error:
            return self._unavailable(error)
        return request.make_response(
            content,
            headers=[
                ("Content-Type", mimetype),
                ("Content-Length", len(content)),
                ("Content-Disposition", content_disposition(filename)),
                ("X-Content-Type-Options", "nosniff"),
                ("Cache-Control", "no-store"),
            ],
        )

    def _readable(self, model, record_id):
        """The record if the current user may read it; else 404, leaking nothing."""
        record = request.env[model].browse(record_id).exists()
        if not record:
            raise NotFound()
        try:
            record.check_access("read")
        except AccessError as error:
            raise NotFound() from error
        return record

    def _unavailable(self, error):
        _logger.info("Statement not built: %s", error)
        return request.make_response(
            request.env._("The statement cannot be built right now, please try again later."),
            headers=[("Content-Type", "text/plain; charset=utf-8")],
            status=503,
        )

    @http.route(
        "/invoice_reminders/statement/<int:digest_id>",
        type="http",
        auth="public",
        methods=["GET"],
        website=False,
    )
    def statement_download(self, digest_id, access_token=None, report_format="pdf", **kwargs):
        """The statement of one reminder, for whoever holds its token.

        A missing reminder, a wrong token and an unknown format all answer the
        same 404: nothing tells whether a reminder exists.
        """
        if report_format not in STATEMENT_FORMATS:
            raise NotFound()
        digest = digest_for_token(digest_id, access_token)
        return self._statement_response(digest._render_statement, report_format)

    @http.route(
        "/invoice_reminders/statement/<int:digest_id>/print/<string:report_format>",
        type="http",
        auth="user",
        methods=["GET"],
    )
    def statement_print(self, digest_id, report_format, **kwargs):
        """The statement of one reminder, for a user who may read that reminder."""
        if report_format not in STATEMENT_FORMATS:
            raise NotFound()
        digest = self._readable("invoice.reminder.digest", digest_id)
        return self._statement_response(digest._render_statement, report_format)

    @http.route(
        "/invoice_reminders/partner/<int:partner_id>/statement/<string:report_format>",
        type="http",
        auth="user",
        methods=["GET"],
    )
    def partner_statement_print(self, partner_id, report_format, **kwargs):
        """A preview statement of a customer's overdue invoices, before any reminder."""
        if report_format not in STATEMENT_FORMATS:
            raise NotFound()
        user = request.env.user
        if not (
            user.has_group("account.group_account_invoice")
            or user.has_group("account.group_account_readonly")
        ):
            raise Forbidden()
        partner = self._readable("res.partner", partner_id)
        return self._statement_response(
            request.env["invoice.reminder.statement"]._render_partner_statement,
            partner,
            report_format,
        )

    @http.route(
        "/invoice_reminders/preview/<int:policy_id>",
        type="http",
        auth="user",
        methods=["GET"],
        website=False,
    )
    def policy_preview_page(self, policy_id, **kwargs):
        """The forewarning email's link: a page asking to compute the preview.

        A GET changes nothing: computing a preview is a run's worth of work, so
        it answers the page's POST only (with Odoo's CSRF token).
        """
        policy = self._readable("invoice.reminder.policy", policy_id)
        return request.render(
            "invoice_reminders.invoice_reminder_preview_confirm", {"policy": policy}
        )

    @http.route(
        "/invoice_reminders/preview/<int:policy_id>",
        type="http",
        auth="user",
        methods=["POST"],
        website=False,
    )
    def policy_preview(self, policy_id, **kwargs):
        """A fresh preview of the next run of a policy."""
        policy = self._readable("invoice.reminder.policy", policy_id)
        preview = request.env["invoice.reminder.preview"]._create_for(policy.company_id, policy)
        return request.redirect(
            f"/odoo/action-invoice_reminders.invoice_reminder_preview_action/{preview.id}"
        )
