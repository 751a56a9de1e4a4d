"""The run's batches as queue_job jobs, performed in this process.

The jobs are the real stored ``queue.job`` records, loaded and performed the
way queue_job's controller does (see :meth:`TestQueueDispatch.perform`); the
runs on several job runners, in other processes, are in test_job_runners.py.
"""

from freezegun import freeze_time

from odoo.tests import tagged

from odoo.addons.queue_job.exception import RetryableJobError
from odoo.addons.queue_job.job import Job

from odoo.addons.invoice_reminders.tests.common import ReminderRunCommon

from ..models.invoice_reminder_run import PARTNER_LOCK_NAMESPACE

MONDAY = "2026-02-02 09:00:00"  # a Monday, after the 08:00 slot (company in UTC)
LOCK_NAMESPACE = 0x1D6E  # the runs' advisory locks (invoice_reminders)


@tagged("post_install", "-at_install")
class TestQueueDispatch(ReminderRunCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customers = cls.customer | cls.env["res.partner"].create(
            [{"name": f"Customer {n}", "email": f"ap{n}@customer{n}.test"} for n in range(1, 5)]
        )
        for partner in cls.customers:
            cls.make_invoice(partner=partner, amount=100, due_date="2026-01-20")
        cls.Run = cls.env["invoice.reminder.run"].sudo()

    def jobs(self, run):
        """The batch jobs of ``run``, in the order of their customers, then its last job."""
        jobs = (
            self.env["queue.job"]
            .sudo()
            .search([("identity_key", "=like", f"invoice_reminder_run:{run.id}:%")])
        )
        batches = jobs.filtered(lambda job: job.method_name == "_queue_build_batch")
        return batches.sorted(lambda job: job.args[0][0]) + (jobs - batches)

    def perform(self, job_record):
        """Run one stored job as queue_job's controller does, dependents included."""
        job = Job.load(self.env(su=True), job_record.uuid)
        job.set_started()
        job.store()
        job.perform()
        job.set_done()
        job.store()
        self.env.flush_all()
        job.enqueue_waiting()
        self.env.flush_all()
        return job.result

    def dispatch(self, batch_size=2):
        with freeze_time(MONDAY):
            runs = self.Run._send_company_digests(self.company, batch_size=batch_size)
        self.assertEqual(len(runs), 1)
        return runs

    def test_one_job_per_batch_on_the_channel_then_the_summary(self):
        run = self.dispatch(batch_size=2)
        jobs = self.jobs(run)
        batches, finish = jobs[:-1], jobs[-1]
        self.assertEqual(len(batches), 3, "five customers in batches of two")
        self.assertFalse(run.digest_ids, "nothing is built before the jobs run")
        self.assertEqual(run.state, "running")
        self.assertEqual(set(batches.mapped("channel")), {"root.invoice_reminders"})
        self.assertEqual(set(batches.mapped("state")), {"pending"})
        self.assertEqual(finish.method_name, "_queue_finish")
        self.assertEqual(finish.state, "wait_dependencies", "the summary waits for the batches")
        self.assertEqual(
            sorted(pid for job in batches for pid in job.args[0]), sorted(self.customers.ids)
        )

        for job in batches[:2]:
            self.perform(job)
        self.assertEqual(len(run.digest_ids), 4)
        self.assertEqual(finish.state, "wait_dependencies")
        self.perform(batches[2])
        self.assertEqual(finish.state, "pending", "the last batch done releases the summary")
        self.assertEqual(run.state, "running")
        self.perform(finish)
        self.assertEqual(run.state, "sending")

        # then as without the queue: mails delivered, summary to the owner
        self.deliver()
        with freeze_time(MONDAY):
            self.Run._cron_send_digests()
        self.deliver()
        self.assertEqual(run.state, "done")
        self.assertTrue(run.report_sent)
        self.assertEqual(set(run.digest_ids.mapped("state")), {"sent"})
        for partner in self.customers:
            self.assertEqual(len(self.smtp.to(partner.email)), 1, partner.name)
        self.assertEqual(len(self.smtp.to("owner@company.test")), 1, "one summary")

    def test_a_batch_job_run_twice_sends_once(self):
        run = self.dispatch(batch_size=2)
        batch = self.jobs(run)[0]
        self.perform(batch)
        digests = run.digest_ids
        self.assertEqual(len(digests), 2)
        mails = self.env["mail.mail"].search_count([])
        # the same job again, e.g. performed once more after a crash
        job = Job.load(self.env(su=True), batch.uuid)
        result = job.perform()
        self.assertEqual(result, "Every customer of this batch was already processed.")
        self.assertEqual(run.digest_ids, digests, "no second reminder")
        self.assertEqual(self.env["mail.mail"].search_count([]), mails, "no second email")

    def test_the_cron_again_adds_no_job_while_the_run_is_in_the_queue(self):
        run = self.dispatch(batch_size=2)
        jobs = self.jobs(run)
        self.perform(jobs[0])
        with freeze_time("2026-02-02 10:00:00"):
            self.Run._cron_send_digests()
        self.assertEqual(self.jobs(run), jobs, "the next hour adds no job")
        # a run whose jobs are all cancelled is queued again, for what is missing
        jobs.button_cancelled()
        with freeze_time("2026-02-02 11:00:00"):
            self.Run._cron_send_digests()
        new_jobs = self.jobs(run) - jobs
        self.assertEqual(
            new_jobs.mapped("method_name"),
            ["_queue_build_batch", "_queue_finish"],
            "one batch (of the cron's 200) for the three left, then the summary",
        )
        left = self.customers - run.digest_ids.partner_id
        self.assertEqual(len(left), 3)
        self.assertEqual(sorted(new_jobs[0].args[0]), sorted(left.ids))

    def test_documents_are_rendered_inside_the_batch_job(self):
        self.policy._levels_sorted()[0].attach_statement_docx = True
        run = self.dispatch(batch_size=5)
        attachments = self.env["ir.attachment"].search_count(
            [("res_model", "=", "invoice.reminder.digest")]
        )
        self.perform(self.jobs(run)[0])
        digests = run.digest_ids
        self.assertEqual(len(digests), 5)
        for digest in digests:
            names = digest.mail_id.attachment_ids.mapped("name")
            self.assertEqual(len(names), 1, digest.partner_id.name)
            self.assertTrue(names[0].endswith(".docx"))
        self.assertEqual(
            self.env["ir.attachment"].search_count([("res_model", "=", "invoice.reminder.digest")]),
            attachments + 5,
        )

    def test_customers_busy_in_another_worker_are_retried_later(self):
        run = self.dispatch(batch_size=5)
        batch = Job.load(self.env(su=True), self.jobs(run)[0].uuid)
        with self.registry.cursor() as other_cr:
            # a customer sent by hand holds the whole run
            other_cr.execute("SELECT pg_advisory_xact_lock(%s, %s)", (LOCK_NAMESPACE, run.id))
            with self.assertRaises(RetryableJobError) as caught, self.env.cr.savepoint():
                batch.perform()
            other_cr.rollback()
        self.assertEqual(caught.exception.seconds, 10)
        with self.registry.cursor() as other_cr:
            # another worker is building the reminder of one of these customers
            other_cr.execute(
                "SELECT pg_advisory_xact_lock(%s, %s)",
                (PARTNER_LOCK_NAMESPACE, self.customers[3].id),
            )
            with self.assertRaises(RetryableJobError), self.env.cr.savepoint():
                batch.perform()
            other_cr.rollback()
        self.assertFalse(run.digest_ids, "nothing built while they are busy")
        batch.perform()
        self.assertEqual(len(run.digest_ids), 5)

    def test_retries_with_backoff_on_the_channel(self):
        config = (
            self.env["queue.job.function"]
            .sudo()
            .job_config("<invoice.reminder.run>._queue_build_batch")
        )
        self.assertEqual(config.channel, "root.invoice_reminders")
        self.assertEqual(config.retry_pattern, {1: 10, 3: 60, 5: 300})
        run = self.dispatch(batch_size=5)
        job = Job.load(self.env(su=True), self.jobs(run)[0].uuid)
        delays = []
        for retry in (1, 3, 5, 6):
            job.retry = retry
            delays.append(job._get_retry_seconds())
        self.assertEqual(delays, [10, 60, 300, 300])

    def test_a_job_left_started_by_a_dead_worker_is_requeued_then_failed(self):
        run = self.dispatch(batch_size=5)
        [batch] = self.jobs(run).filtered(lambda job: job.method_name == "_queue_build_batch")
        # as queue_job leaves it when the worker performing it is killed
        started = Job.load(self.env(su=True), batch.uuid)
        started.set_started()
        started.store()
        self.env.flush_all()
        self.Run._cron_requeue_dead_jobs()
        self.assertEqual(batch.state, "started", "within the grace period, left alone")
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE queue_job SET date_started = now() at time zone 'UTC' - interval '2 minutes'"
            " WHERE id = %s",
            (batch.id,),
        )
        batch.invalidate_recordset()
        # its customers' lock held by another session, as by a live worker: left alone
        key = (PARTNER_LOCK_NAMESPACE, batch.args[0][0])
        with self.registry.cursor() as worker:
            worker.execute("SELECT pg_advisory_lock(%s, %s)", key)
            self.Run._cron_requeue_dead_jobs()
            self.assertEqual(batch.state, "started")
            worker.execute("SELECT pg_advisory_unlock(%s, %s)", key)
        # nobody holds it any more: requeued, a try used up
        self.Run._cron_requeue_dead_jobs()
        batch.invalidate_recordset()
        self.assertEqual((batch.state, batch.retry), ("pending", 1))
        self.assertIn("requeued", batch.result)
        # a batch that always outlives its worker ends failed, not in a loop
        for _try in range(batch.max_retries - 1):
            # what the job's last store wrote is in the database before it starts again
            self.env.flush_all()
            self.env.cr.execute(
                "UPDATE queue_job SET state = 'started',"
                " date_started = now() at time zone 'UTC' - interval '2 minutes' WHERE id = %s",
                (batch.id,),
            )
            batch.invalidate_recordset()
            self.Run._cron_requeue_dead_jobs()
        batch.invalidate_recordset()
        self.assertEqual(batch.state, "failed")
        self.assertEqual(batch.exc_name, "WorkerDied")
