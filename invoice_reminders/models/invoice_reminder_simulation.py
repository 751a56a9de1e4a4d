from collections import defaultdict

from odoo import api, models
from odoo.tools import split_every

from .. import rules
from .invoice_reminder_run import BATCH_SIZE


class InvoiceReminderSimulation(models.AbstractModel):
    """What the next run will do, written nowhere: the planner's plan of the
    next period, with its emails (and documents) rendered, then rolled back.

    The preview, its forewarning, the activation preview and the test send
    start from here.
    """

    _name = "invoice.reminder.simulation"
    _description = "Payment Reminder Simulation"

    @api.model
    def _simulate_next_run(
        self, policy, partner_ids=None, render=True, attachments=False, now=None
    ):
        """What the next run of ``policy`` will do, computed by the run's own code.

        The run of the next period is planned by the planner, and its reminders
        and their lines created and their emails rendered by the level's
        template (with ``attachments``, their documents too), inside a
        savepoint that is then rolled back: nothing is written and no email is
        queued, but what comes out is what the run will send, by construction.

        :param partner_ids: only these customers (commercial entities)
        :returns: ``(send_at, period, entries)``: the :class:`~..plan.CustomerPlan`
            of each customer, with ``mail`` (rendered ``subject``,
            ``body_html``, ``email_from``, or an ``error``), ``attachment_names``
            and, with ``attachments``, ``files`` (``(name, raw, mimetype)``)
        """
        policy.ensure_one()
        send_at, period = policy._next_run(now)
        if not send_at:
            return False, False, []
        # the run's "today": the local date when it sends
        today = rules.utc_to_local(send_at, policy._company_tz()).date()
        result = []
        Run = self.env["invoice.reminder.run"].sudo()
        Planner = self.env["invoice.reminder.planner"].sudo()

        def simulate():
            run = Run._get_or_create_period(policy, period)
            run._update_promises(today)
            todo = run._todo_partners()
            if partner_ids is not None:
                wanted = set(partner_ids)
                todo = [pid for pid in todo if pid in wanted]
            for batch in split_every(BATCH_SIZE, todo, list):
                plan = Planner._plan(run._plan_scope(), today, batch)
                with_digest = [entry for entry in plan if entry.digest]
                if render and with_digest:
                    self._simulate_mails(run, with_digest, attachments)
                result.extend(plan)

        Run._in_rolled_back_savepoint(simulate)
        return send_at, period, result

    @api.model
    def _simulate_mails(self, run, entries, attachments):
        """Create the reminders of ``entries`` in ``run`` and render their emails into
        ``entries``."""
        Digest = run.env["invoice.reminder.digest"]
        digests = Digest.create([dict(entry.digest, run_id=run.id) for entry in entries])
        by_template = defaultdict(lambda: Digest)
        for digest in digests:
            by_template[digest.level_id.mail_template_id] |= digest
        rendered = {}
        for template, template_digests in by_template.items():
            rendered.update(template_digests._render_mails(template))
        # the documents of the batch at once, as the run builds them
        prerendered = digests._prerender_documents() if attachments else None
        for entry, digest in zip(entries, digests, strict=True):
            entry.attachment_names = digest._get_attachment_names()
            if digest.id not in rendered:
                entry.mail = {"error": digest.error}
                continue
            vals = digest._prepare_mail_vals(rendered[digest.id])
            entry.mail = {key: vals[key] for key in ("subject", "body_html", "email_from")}
            if attachments:
                files = digest._build_attachments(prerendered)
                if files is None:
                    entry.mail = {"error": digest.error}
                    continue
                entry.files = [(att.name, att.raw, att.mimetype) for att in files]
