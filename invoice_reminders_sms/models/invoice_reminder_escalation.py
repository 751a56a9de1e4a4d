import re

from odoo import _, api, models
from odoo.exceptions import UserError


class InvoiceReminderEscalation(models.AbstractModel):
    _inherit = "invoice.reminder.escalation"

    @api.model
    def _prepare_actions(self, entry, level, partner):
        actions = super()._prepare_actions(entry, level, partner)
        if level.sms_template_id:
            # the number Odoo's SMS takes first: the mobile on Odoo 18.0, the phone on
            # 19.0 (which has no mobile); E.164 when it can be read (phonenumbers),
            # in any case no blank
            fname = partner._phone_get_number_fields()[0]
            formatted = partner._phone_format(fname=fname) or partner[fname] or ""
            number = re.sub(r"[^\d+]", "", formatted)
            if number:
                actions.append(
                    {
                        "kind": "sms",
                        "state": "queued",
                        "number": number,
                        "detail": _("To %(number)s", number=number),
                    }
                )
            else:
                actions.append(
                    {
                        "kind": "sms",
                        "state": "skipped",
                        "detail": _("No mobile number on the customer"),
                    }
                )
        return actions

    @api.model
    def _update_actions(self, run):
        """An SMS action follows its notification: sent, or failed with the reason."""
        res = super()._update_actions(run)
        actions = run.action_ids.filtered(
            lambda action: action.kind == "sms" and action.state == "queued"
        )
        if not actions:
            return res
        notifications = (
            self.env["mail.notification"]
            .sudo()
            .search(
                [
                    ("mail_message_id", "in", actions.mail_message_id.ids),
                    ("notification_type", "=", "sms"),
                ]
            )
        )
        failures = dict(notifications._fields["failure_type"]._description_selection(self.env))
        by_message = {n.mail_message_id: n for n in notifications}
        for action in actions:
            notification = by_message.get(action.mail_message_id)
            if not notification or notification.notification_status == "ready":
                continue
            if notification.notification_status in ("sent", "pending"):
                action.write({"state": "done"})
            else:
                reason = failures.get(notification.failure_type) or _("The SMS could not be sent.")
                action.write(
                    {
                        "state": "failed",
                        "detail": _("%(detail)s: %(reason)s", detail=action.detail, reason=reason),
                    }
                )
        return res

    @api.model
    def _do_action(self, digest, action):
        if action["kind"] != "sms":
            return super()._do_action(digest, action)
        template = digest.level_id.sms_template_id
        body = template._render_field("body", digest.ids, compute_lang=True)[digest.id]
        if not body:
            raise UserError(_("The SMS template %(template)s is empty.", template=template.name))
        message = (
            digest.partner_id.sudo()
            .with_context(mail_create_nosubscribe=True)
            ._message_sms(body, partner_ids=[], sms_numbers=[action["number"]], put_in_queue=True)
        )
        # sent by Odoo's SMS queue once this transaction is committed: a rolled
        # back preview never sends one
        self.env.ref("sms.ir_cron_sms_scheduler_action")._trigger()
        return {"state": "queued", "mail_message_id": message.id}
