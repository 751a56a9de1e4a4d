import uuid
from datetime import datetime

from werkzeug.exceptions import NotFound

from odoo import Command, fields, http
from odoo.http import request
from odoo.tools.misc import format_amount, format_date

from odoo.addons.portal.controllers.portal import CustomerPortal

from .. import rules
from ..models.invoice_reminder_answer import DISPUTE_REASONS
from .main import digest_for_token

ANSWER_FORM_KEY_MAX = 64
PAGE_ROUTE = "/my/reminders/<int:digest_id>"


class InvoiceReminderPortal(CustomerPortal):
    """The reminder's page: the customer answers a payment reminder.

    Reached by the link of the reminder's email and statement (its token), or
    from *My Account* by a logged-in portal user of the customer (the same
    link). Every wrong case (no such reminder, a wrong token, another
    customer's user, an expired page) answers the same 404.
    """

    # ------------------------------------------------------------------
    # My Account
    # ------------------------------------------------------------------

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if "reminder_count" in counters:
            values["reminder_count"] = len(self._my_reminders())
        return values

    def _my_reminders(self):
        """The reminders of the user's own company (customer) whose page is still open."""
        user = request.env.user
        if user._is_public() or not user.share:
            return request.env["invoice.reminder.digest"]
        customer = user.partner_id.commercial_partner_id
        # sudo: portal users read no reminder directly; these are their own customer's only
        digests = (
            request.env["invoice.reminder.digest"]
            .sudo()
            .search([("partner_id", "=", customer.id), ("state", "=", "sent")])
        )
        return digests.filtered(lambda digest: digest._answer_page_open())

    @http.route("/my/reminders", type="http", auth="user", methods=["GET"], website=True)
    def portal_my_reminders(self, **kwargs):
        values = self._prepare_portal_layout_values()
        values.update({"digests": self._my_reminders(), "page_name": "reminders"})
        return request.render("invoice_reminders.portal_my_reminders", values)

    # ------------------------------------------------------------------
    # The reminder's page
    # ------------------------------------------------------------------

    def _reminder_check_access(self, digest_id, access_token):
        """The reminder (as superuser) if the token is its own and its page is open; else 404."""
        digest_sudo = digest_for_token(digest_id, access_token)
        user = request.env.user
        customer = digest_sudo.partner_id.commercial_partner_id
        if user.share and not user._is_public():
            # a portal user of another customer does not answer for this one
            if user.partner_id.commercial_partner_id != customer:
                raise NotFound()
        if not digest_sudo._answer_page_open():
            raise NotFound()
        lang = request.env["invoice.reminder.statement"]._statement_lang(digest_sudo.partner_id)
        request.update_context(lang=lang)
        return digest_sudo.with_context(lang=lang)

    def _reminder_page_values(self, digest_sudo, errors=None, posted=None, answered=None):
        env = digest_sudo.env
        moves = digest_sudo._answer_moves()
        lines = digest_sudo.invoice_line_ids.filtered(lambda line: line.move_id in moves)
        answers = (
            env["invoice.reminder.answer"]
            .search([("move_ids", "in", moves.ids), ("state", "=", "received")])
            .with_context(lang=env.lang)
        )
        kinds = dict(answers._fields["kind"]._description_selection(env))
        today = fields.Date.context_today(digest_sudo)
        policy = digest_sudo.policy_id
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "page_name": "reminder",
                "digest": digest_sudo,
                "customer": digest_sudo.partner_id,
                "company": digest_sudo.company_id,
                "title": env._(
                    "Payment reminder from %(company)s", company=digest_sudo.company_id.name
                ),
                "intro": env._(
                    "Dear %(customer)s, these invoices are overdue. Pay them, or tell us what "
                    "is going on: we read every answer.",
                    customer=digest_sudo.partner_id.name,
                ),
                "access_token": digest_sudo.access_token,
                "rows": [
                    {
                        "move": line.move_id,
                        "name": line.move_id.name,
                        "date_due": format_date(env, line.move_id.invoice_date_due),
                        "amount": format_amount(
                            env, line.move_id.amount_residual, line.move_id.currency_id
                        ),
                        "amount_value": line.move_id.amount_residual,
                        "pay_url": line.pay_url,
                        "answers": [
                            f"{kinds[answer.kind]} ({format_date(env, answer.answered_at)})"
                            for answer in answers
                            if line.move_id in answer.move_ids
                        ],
                    }
                    for line in lines
                ],
                "statement_url": digest_sudo.get_portal_url(),
                "reasons": answers._fields["reason"]._description_selection(env),
                "today": fields.Date.to_string(today),
                "promise_max": fields.Date.to_string(
                    fields.Date.add(today, days=policy.answer_promise_max_days)
                ),
                "form_key": uuid.uuid4().hex,
                "errors": errors or [],
                "posted": posted or {},
                "answered": answered,
            }
        )
        return values

    @http.route(PAGE_ROUTE, type="http", auth="public", methods=["GET"], website=True)
    def portal_reminder_page(self, digest_id, access_token=None, answered=None, **kwargs):
        digest_sudo = self._reminder_check_access(digest_id, access_token)
        if answered not in rules.ANSWER_KINDS:
            answered = None
        return request.render(
            "invoice_reminders.portal_reminder_page",
            self._reminder_page_values(digest_sudo, answered=answered),
        )

    @http.route(f"{PAGE_ROUTE}/answer", type="http", auth="public", methods=["POST"], website=True)
    def portal_reminder_answer(self, digest_id, access_token=None, **post):
        """One answer of the customer (Odoo checks the form's CSRF token first)."""
        digest_sudo = self._reminder_check_access(digest_id, access_token)
        env = digest_sudo.env
        Answer = env["invoice.reminder.answer"]
        recent = Answer.search([("digest_id", "=", digest_sudo.id)]).mapped("answered_at")
        if rules.answer_rate_limited(recent, datetime.now()):
            return self._refuse(
                digest_sudo,
                [env._("Too many answers in a short time: please try again in an hour.")],
                post,
                status=429,
            )
        vals, files, errors = self._answer_vals(digest_sudo, post)
        if not errors and Answer.search_count(
            [("digest_id", "=", digest_sudo.id), ("form_key", "=", vals["form_key"])]
        ):
            errors = [env._("This form was already sent: your answer is recorded once.")]
        if errors:
            return self._refuse(digest_sudo, errors, post)
        answer = Answer.create(vals)
        answer._apply(files)
        return request.redirect(
            f"{digest_sudo._get_answer_path()}&answered={answer.kind}", local=True
        )

    def _refuse(self, digest_sudo, errors, post, status=400):
        posted = {key: value for key, value in post.items() if isinstance(value, str)}
        response = request.render(
            "invoice_reminders.portal_reminder_page",
            self._reminder_page_values(digest_sudo, errors=errors, posted=posted),
        )
        response.status_code = status
        return response

    def _answer_vals(self, digest_sudo, post):
        """``(values of the answer, files, error messages)`` of a posted form."""
        env = digest_sudo.env
        kind = post.get("kind")
        moves = digest_sudo._answer_moves()
        target = post.get("move") or ""
        if target != "all":
            moves = moves.filtered(lambda move: str(move.id) == target)
        form_key = post.get("form_key") or ""
        if kind not in rules.ANSWER_KINDS or not moves:
            return {}, [], [env._("Please choose an answer and the invoices it is about.")]
        if not form_key or len(form_key) > ANSWER_FORM_KEY_MAX:
            return {}, [], [env._("This form is not valid anymore: please reload the page.")]
        vals = {
            "digest_id": digest_sudo.id,
            "partner_id": digest_sudo.partner_id.commercial_partner_id.id,
            "company_id": digest_sudo.company_id.id,
            "kind": kind,
            "move_ids": [Command.set(moves.ids)],
            "form_key": form_key,
            "comment": (post.get("comment") or "").strip() or False,
        }
        today = fields.Date.context_today(digest_sudo)
        errors, files = [], []
        if kind == rules.ANSWER_PROMISE:
            currency = moves.currency_id
            due = sum(moves.mapped("amount_residual"))
            amount_text = post.get("amount") or ""
            amount = rules.parse_amount(amount_text) if amount_text.strip() else None
            if not amount_text.strip() and len(currency) == 1:
                amount = rules.parse_amount(f"{due:.{currency.decimal_places}f}")
            date = self._parse_date(post.get("date"))
            if len(currency) != 1:
                errors.append(
                    env._("These invoices are in several currencies: promise them one by one.")
                )
            else:
                code = rules.promise_error(
                    today, date, amount, due, digest_sudo.policy_id.answer_promise_max_days
                )
                if not code:
                    others = env["invoice.reminder.promise"].search([("move_ids", "in", moves.ids)])
                    code = rules.promise_replacement(
                        moves.ids,
                        [(promise.state, promise.move_ids.ids) for promise in others],
                    )
                if code:
                    errors.append(self._message(env, code, digest_sudo, due, currency))
            vals.update(
                {"date": date, "amount": float(amount or 0), "currency_id": currency[:1].id}
            )
        elif kind == rules.ANSWER_DISPUTE:
            code = rules.dispute_error(
                post.get("reason"), [key for key, _label in DISPUTE_REASONS], vals["comment"]
            )
            if code:
                errors.append(self._message(env, code, digest_sudo))
            vals["reason"] = post.get("reason")
        elif kind == rules.ANSWER_PAID:
            date = self._parse_date(post.get("date"))
            code = rules.paid_error(today, date)
            if code:
                errors.append(self._message(env, code, digest_sudo))
            vals["date"] = date
        else:
            code = rules.call_error(post.get("phone"), post.get("call_time"))
            if code:
                errors.append(self._message(env, code, digest_sudo))
            vals.update(
                {
                    "phone": (post.get("phone") or "").strip(),
                    "call_time": (post.get("call_time") or "").strip() or False,
                }
            )
        if vals["comment"] and len(vals["comment"]) > rules.ANSWER_TEXT_MAX:
            errors.append(self._message(env, rules.ERR_TEXT_TOO_LONG, digest_sudo))
        upload = request.httprequest.files.get("file")
        if upload and upload.filename and kind in (rules.ANSWER_DISPUTE, rules.ANSWER_PAID):
            content = upload.read(rules.ANSWER_MAX_FILE_BYTES + 1)
            code = rules.file_error(upload.filename, len(content), content[:16])
            if code:
                errors.append(self._message(env, code, digest_sudo))
            else:
                files.append((rules.sanitize_filename(upload.filename), content))
        return vals, files, errors

    @staticmethod
    def _parse_date(text):
        try:
            return fields.Date.to_date(text) if text else None
        except ValueError:
            return None

    def _message(self, env, code, digest_sudo, due=0.0, currency=None):
        """The customer's message for a refused answer, in the customer's language."""
        today = fields.Date.context_today(digest_sudo)
        max_days = digest_sudo.policy_id.answer_promise_max_days
        messages = {
            rules.ERR_DATE_MISSING: env._("Please give a valid date."),
            rules.ERR_DATE_PAST: env._("The date cannot be in the past."),
            rules.ERR_DATE_TOO_FAR: env._(
                "The date cannot be later than %(date)s (%(days)s days from today).",
                date=format_date(env, fields.Date.add(today, days=max_days)),
                days=max_days,
            ),
            rules.ERR_DATE_FUTURE: env._("The payment date cannot be in the future."),
            rules.ERR_AMOUNT_INVALID: env._("Please give the amount as a number, e.g. 1250.50."),
            rules.ERR_AMOUNT_ZERO: env._("The amount must be more than zero."),
            rules.ERR_AMOUNT_ABOVE_DUE: env._(
                "The amount cannot be more than what is due (%(due)s).",
                due=format_amount(env, due, currency) if currency else due,
            ),
            rules.ERR_REASON_MISSING: env._("Please choose the reason of the dispute."),
            rules.ERR_PHONE_INVALID: env._(
                "Please give a phone number (digits, spaces, +, - and brackets only)."
            ),
            rules.ERR_TEXT_TOO_LONG: env._(
                "Please keep your text under %(count)s characters.", count=rules.ANSWER_TEXT_MAX
            ),
            rules.ERR_FILE_TOO_BIG: env._("The file is too large: 10 MB at most."),
            rules.ERR_FILE_TYPE: env._(
                "This type of file is not accepted: PDF, PNG, JPEG, text, CSV, Word, "
                "Excel or OpenDocument only."
            ),
            rules.ERR_PROMISE_CLOSED: env._(
                "A promise to pay was already made for this invoice and can no longer be "
                "changed: please contact us."
            ),
            rules.ERR_PROMISE_WIDER: env._(
                "This invoice is part of a promise covering other invoices too: make the new "
                "promise for all of them."
            ),
        }
        return messages[code]
