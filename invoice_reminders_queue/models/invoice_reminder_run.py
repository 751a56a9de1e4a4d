import logging
from datetime import timedelta

import psycopg2
from psycopg2 import errors

from odoo import _, api, fields, models
from odoo.tools import split_every

from odoo.addons.queue_job.delay import chain, group
from odoo.addons.queue_job.exception import RetryableJobError
from odoo.addons.queue_job.job import Job

from odoo.addons.invoice_reminders.models.invoice_reminder_run import LOCK_NAMESPACE

_logger = logging.getLogger(__name__)

# advisory-lock namespace of the customers being reminded by a batch job
PARTNER_LOCK_NAMESPACE = LOCK_NAMESPACE + 1
# the context key under which a run builds its batches itself
BUILD_HERE = "invoice_reminders_queue_build_here"
# seconds before a job whose run or customers are busy elsewhere is tried again
# (waiting does not use up the job's tries)
BUSY_RETRY_SECONDS = 10
# a job Started this long ago whose locks nobody holds lost its worker
DEAD_JOB_GRACE_PARAM = "invoice_reminders_queue.dead_job_grace_seconds"
DEFAULT_DEAD_JOB_GRACE_SECONDS = 60


class InvoiceReminderRun(models.Model):
    _inherit = "invoice.reminder.run"

    # ------------------------------------------------------------------
    # Queuing the batches
    # ------------------------------------------------------------------

    def _queue_identity_prefix(self):
        self.ensure_one()
        return f"invoice_reminder_run:{self.id}:"

    def _queue_open_jobs(self):
        """The jobs of this run that are not done yet (pending, running or failed)."""
        self.ensure_one()
        return (
            self.env["queue.job"]
            .sudo()
            .search(
                [
                    ("identity_key", "=like", self._queue_identity_prefix() + "%"),
                    ("state", "not in", ("done", "cancelled")),
                ]
            )
        )

    def _dispatch_batches(self, partner_ids, now, batch_size, max_batches):
        """One job per batch of customers on ``root.invoice_reminders``, then one
        that finishes the run when they are all done."""
        if self.env.context.get(BUILD_HERE) or max_batches is not None or not partner_ids:
            return super()._dispatch_batches(partner_ids, now, batch_size, max_batches)
        open_jobs = self._queue_open_jobs()
        if open_jobs:
            _logger.info(
                "Reminder run %s: %s job(s) still open in the job queue, none added",
                self.id,
                len(open_jobs),
            )
            return True
        prefix = self._queue_identity_prefix()
        batches = list(split_every(batch_size, partner_ids, list))
        jobs = [
            self.delayable(
                description=_(
                    "%(run)s: customers %(first)s to %(last)s of %(total)s",
                    run=self.name,
                    first=index * batch_size + 1,
                    last=index * batch_size + len(batch),
                    total=len(partner_ids),
                ),
                identity_key=f"{prefix}batch:{batch[0]}-{batch[-1]}:{len(batch)}",
            )._queue_build_batch(batch, now)
            for index, batch in enumerate(batches)
        ]
        finish = self.delayable(
            description=_("%(run)s: summary", run=self.name),
            identity_key=f"{prefix}finish",
        )._queue_finish(now)
        chain(group(*jobs), finish).delay()
        _logger.info("Reminder run %s: %s batch job(s) queued", self.id, len(jobs))
        return True

    # ------------------------------------------------------------------
    # The jobs
    # ------------------------------------------------------------------

    def _auto_commit(self):
        """A job commits once, when it is done: a batch is all or nothing."""
        if self.env.context.get("job_uuid"):
            return None
        return super()._auto_commit()

    def _queue_build_batch(self, partner_ids, now):
        """Job: build, render and queue the reminders of a batch of customers.

        Safe to run twice, or again after being killed midway: the customers
        who already have their reminder (or their skip) of this period are left
        out, and those being built by another worker right now are retried later.
        """
        self.ensure_one()
        if self.state != "running":
            return _("The run is no longer building reminders: nothing to do.")
        cr = self.env.cr
        # shared: batches run side by side, but not while the run itself is
        # processed elsewhere (a customer sent by hand, Send now)
        cr.execute("SELECT pg_try_advisory_xact_lock_shared(%s, %s)", (LOCK_NAMESPACE, self.id))
        if not cr.fetchone()[0]:
            raise RetryableJobError(
                _("The run is being processed elsewhere: tried again later."),
                seconds=BUSY_RETRY_SECONDS,
                ignore_retry=True,
            )
        cr.execute(
            "SELECT bool_and(pg_try_advisory_xact_lock(%s, pid)) FROM unnest(%s::int[]) AS pid",
            (PARTNER_LOCK_NAMESPACE, list(partner_ids)),
        )
        if not cr.fetchone()[0]:
            raise RetryableJobError(
                _("These customers are being reminded by another worker: tried again later."),
                seconds=BUSY_RETRY_SECONDS,
                ignore_retry=True,
            )
        todo = self._queue_todo_in(partner_ids)
        if not todo:
            return _("Every customer of this batch was already processed.")
        today = self._local_today(now)
        try:
            self._build_batch(self._collect_candidates(today, todo), today)
            self.env.flush_all()
        except errors.UniqueViolation as error:
            # a reminder committed by another worker since this job began
            raise RetryableJobError(str(error), seconds=BUSY_RETRY_SECONDS) from error
        except (RetryableJobError, psycopg2.OperationalError):
            # busy, or a concurrency error that queue_job retries on its own
            raise
        except Exception as error:
            # one customer's failure is handled inside the batch: this is the
            # batch's own (database, memory, ...): retried with the job's backoff,
            # failed in the Jobs screen after its last try
            _logger.warning(
                "Batch of reminder run %s failed, retried later", self.id, exc_info=True
            )
            raise RetryableJobError(
                _("This batch failed and is retried later: %(error)s", error=error)
            ) from error
        return _("%(count)s customer(s) processed.", count=len(todo))

    def _queue_todo_in(self, partner_ids):
        """Those of ``partner_ids`` neither reminded nor skipped yet in this period."""
        self.ensure_one()
        cr = self.env.cr
        cr.execute(
            """
            SELECT partner_id FROM invoice_reminder_digest
             WHERE policy_id = %s AND period = %s AND partner_id = ANY(%s)
             UNION
            SELECT partner_id FROM invoice_reminder_run_skip
             WHERE run_id = %s AND partner_id = ANY(%s)
            """,
            (self.policy_id.id, self.period, list(partner_ids), self.id, list(partner_ids)),
        )
        done = {row[0] for row in cr.fetchall()}
        return [pid for pid in partner_ids if pid not in done]

    def _queue_finish(self, now):
        """Job, once every batch is done: build what is still missing, then the
        run waits for its mails and sends the owner's summary, as without the queue."""
        self.ensure_one()
        if self.state != "running":
            return _("The run was already finished.")
        if not self._lock():
            raise RetryableJobError(
                _("The run is being processed elsewhere: tried again later."),
                seconds=BUSY_RETRY_SECONDS,
                ignore_retry=True,
            )
        try:
            self.with_context(**{BUILD_HERE: True})._process(now=now)
        finally:
            self._unlock()
        return _("Every batch is built: the summary follows the delivery of the emails.")

    # ------------------------------------------------------------------
    # Jobs whose worker died
    # ------------------------------------------------------------------

    @api.model
    def _cron_requeue_dead_jobs(self):
        """Requeue the reminder jobs whose worker died midway (killed, out of
        memory, past ``limit_time_real``), which queue_job leaves *Started*.

        A batch job holds the advisory locks of its customers, and the closing
        job the run's, for as long as its transaction lives; PostgreSQL
        releases them when the worker's connection ends. A job *Started* for
        longer than the grace period (system parameter
        ``invoice_reminders_queue.dead_job_grace_seconds``, default 60) whose
        lock nobody holds has lost its worker. It is requeued, which is safe
        since a batch is all or nothing and skips the customers already done;
        each such death counts as one of the job's tries, so that a batch that
        always outlives its worker ends *Failed* in the Jobs screen instead of
        looping.
        """
        grace = int(
            self.env["ir.config_parameter"]
            .sudo()
            .get_param(DEAD_JOB_GRACE_PARAM, DEFAULT_DEAD_JOB_GRACE_SECONDS)
        )
        jobs = (
            self.env["queue.job"]
            .sudo()
            .search(
                [
                    ("state", "=", "started"),
                    ("identity_key", "=like", "invoice_reminder_run:%"),
                    ("date_started", "<=", fields.Datetime.now() - timedelta(seconds=grace)),
                ]
            )
        )
        for job in jobs:
            if not self._queue_job_alive(job):
                self._queue_requeue_dead(job)
        return True

    @api.model
    def _queue_job_alive(self, job):
        """Whether a worker still holds the lock that ``job`` takes while it runs."""
        if job.method_name == "_queue_build_batch" and job.args and job.args[0]:
            key = (PARTNER_LOCK_NAMESPACE, job.args[0][0])
        else:
            key = (LOCK_NAMESPACE, job.record_ids[0] if job.record_ids else 0)
        self.env.cr.execute(
            """
            SELECT EXISTS (
                SELECT 1 FROM pg_locks
                 WHERE locktype = 'advisory' AND granted AND objsubid = 2
                   AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
                   AND classid = %s::int::oid AND objid = %s::int::oid
            )
            """,
            key,
        )
        return self.env.cr.fetchone()[0]

    @api.model
    def _queue_requeue_dead(self, job):
        job_ = Job.load(self.env, job.uuid)
        job_.retry += 1
        if job_.max_retries and job_.retry >= job_.max_retries:
            message = _(
                "The worker running this job stopped %(count)s times (killed, or past its "
                "time limit): failed.",
                count=job_.retry,
            )
            job_.set_failed(exc_name="WorkerDied", exc_message=message, exc_info=message)
        else:
            message = _(
                "The worker running this job stopped (killed, or past its time limit): "
                "requeued."
            )
            job_.set_pending(result=message, reset_retry=False)
        job_.store()
        _logger.info("Reminder job %s: %s", job.uuid, message)
