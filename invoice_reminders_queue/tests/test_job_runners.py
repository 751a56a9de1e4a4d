"""Two Odoo servers with their job runners on loopback, sharing one database.

The servers are real ``odoo-bin`` processes in other processes, so they work
on a database of their own (they cannot see this test's transaction): it is
installed, loaded with the benchmark's data and dropped by the test.
"""

import importlib.util
import json
import os
import signal
import subprocess
import sys
import time
import unittest
import urllib.request

import odoo.release
from odoo.tests import TransactionCase, tagged
from odoo.tools import config

ROOT = os.path.join(os.path.dirname(__file__), os.pardir, os.pardir)
QUEUE_WORKERS = os.path.join(ROOT, "bench", "queue_workers.py")
BATCH_SIZE = 5
CUSTOMERS = 40


def _load_queue_workers():
    spec = importlib.util.spec_from_file_location("queue_workers", QUEUE_WORKERS)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _comma_list(value):
    return value if isinstance(value, str) else ",".join(value)


@tagged("post_install", "-at_install")
class TestJobRunners(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if not os.path.exists(QUEUE_WORKERS):
            raise unittest.SkipTest("bench/queue_workers.py is not shipped with the wheel")
        cls.qw = _load_queue_workers()
        cls.db = f"{cls.env.cr.dbname}_runners"
        root = os.path.dirname(os.path.dirname(odoo.release.__file__))
        cls.odoo_bin = os.path.join(root, "odoo-bin")
        cls.options = [
            # a string on Odoo 18.0, a list on 19.0
            f"--addons-path={_comma_list(config['addons_path'])}",
            f"--data-dir={config['data_dir']}",
            "--without-demo=True",
            "--http-interface=127.0.0.1",
        ] + [f"--{key}={config[key]}" for key in ("db_host", "db_port", "db_user") if config[key]]
        logdir = os.path.dirname(config["logfile"]) if config["logfile"] else None
        cls.workdir = os.path.join(logdir or config["data_dir"], "queue-runners")
        os.makedirs(cls.workdir, exist_ok=True)
        cls._drop_db()
        cls.addClassCleanup(cls._drop_db)
        cls._odoo(
            "-d",
            cls.db,
            "-i",
            "account,invoice_reminders,queue_job",
            "--stop-after-init",
            "--log-level=warn",
            f"--logfile={cls.workdir}/install.log",
        )
        out = cls._odoo(
            "shell",
            "-d",
            cls.db,
            "--no-http",
            "--log-level=warn",
            f"--logfile={cls.workdir}/shell.log",
            stdin=cls.qw.shell_script(CUSTOMERS, 300, BATCH_SIZE, capacity=2),
        )
        cls.prepared = cls.qw.parse_shell_output(out)

    @classmethod
    def _odoo(cls, *args, stdin=None):
        if args[0] == "shell":
            command = [sys.executable, cls.odoo_bin, "shell", *cls.options, *args[1:]]
        else:
            command = [sys.executable, cls.odoo_bin, *cls.options, *args]
        done = subprocess.run(
            command, input=stdin, capture_output=True, text=True, check=False, timeout=900
        )
        if done.returncode:
            raise AssertionError(
                f"{command[2:]} failed:\n{done.stdout[-2000:]}{done.stderr[-3000:]}"
            )
        return done.stdout

    @classmethod
    def _drop_db(cls):
        odoo.sql_db.close_db(cls.db)
        with odoo.sql_db.db_connect("postgres").cursor() as cr:
            cr._cnx.autocommit = True
            cr.execute(f'DROP DATABASE IF EXISTS "{cls.db}" WITH (FORCE)')

    def query(self, sql, params=()):
        with odoo.sql_db.db_connect(self.db).cursor() as cr:
            cr.execute(sql, params)
            return cr.fetchall()

    def jobs(self):
        rows = self.query(
            "SELECT uuid, state, retry, worker_pid, method_name, args, date_done FROM queue_job "
            "WHERE identity_key LIKE %s ORDER BY id",
            (f"invoice_reminder_run:{self.prepared['run_id']}:%",),
        )
        keys = ("uuid", "state", "retry", "pid", "method", "args", "date_done")
        jobs = [dict(zip(keys, row, strict=True)) for row in rows]
        for job in jobs:
            if isinstance(job["args"], str):
                job["args"] = json.loads(job["args"])
        return jobs

    def rpc(self, model, method, args):
        """A call as the administrator, through the proxy, as from the Jobs screen."""
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())

        def call(path, params):
            body = json.dumps({"jsonrpc": "2.0", "method": "call", "params": params}).encode()
            request = urllib.request.Request(
                f"http://127.0.0.1:{self.qw.PROXY_PORT}{path}",
                data=body,
                headers={"Content-Type": "application/json"},
            )
            with opener.open(request, timeout=60) as response:
                answer = json.loads(response.read())
            self.assertNotIn("error", answer, answer.get("error"))
            return answer["result"]

        call("/web/session/authenticate", {"db": self.db, "login": "admin", "password": "admin"})
        return call(
            "/web/dataset/call_kw",
            {"model": model, "method": method, "args": args, "kwargs": {}},
        )

    def test_two_runners_a_killed_job_and_a_job_run_twice(self):
        prepared = self.prepared
        run_id = prepared["run_id"]
        self.assertGreater(len(prepared["expected_digests"]), 10)
        jobs = self.jobs()
        self.assertEqual(len(jobs), prepared["jobs"])
        batches = [job for job in jobs if job["method"] == "_queue_build_batch"]
        self.assertGreater(len(batches), 2)
        # a customer of the second batch who gets a reminder: its row is held by
        # this connection, so that the batch's job stops midway, waiting for it
        victim_batch = batches[1]
        victim = next(pid for pid in victim_batch["args"][0] if pid in prepared["expected_digests"])
        blocker = odoo.sql_db.db_connect(self.db).cursor()
        try:
            blocker.execute("SELECT id FROM res_partner WHERE id = %s FOR UPDATE", (victim,))
            with self.qw.Cluster(2, self.db, self.odoo_bin, self.options, self.workdir) as cluster:
                self.qw.wait_for(self._blocked, 240, what="a job waiting on the lock")
                job = self.qw.wait_for(
                    lambda: next(
                        (
                            j
                            for j in self.jobs()
                            if j["uuid"] == victim_batch["uuid"] and j["state"] == "started"
                        ),
                        None,
                    ),
                    30,
                    what="the job to be started",
                )
                # midway through its batch, once the runner has stopped waiting for
                # its answer (1 s), the HTTP worker performing it (queue_job records
                # its pid) dies
                time.sleep(2)
                self.assertIn(job["pid"], set().union(*cluster.server_pids()))
                self.assertNotIn(job["pid"], [server.pid for server in cluster.servers])
                # the bridge's cron leaves a job alone while its worker lives
                self.requeue_dead_jobs()
                alive = next(j for j in self.jobs() if j["uuid"] == job["uuid"])
                self.assertEqual((alive["state"], alive["pid"]), ("started", job["pid"]))
                os.kill(job["pid"], signal.SIGKILL)
                blocker.rollback()
                # the other batches go on; the killed one left nothing half-built
                self.qw.wait_for(
                    lambda: all(
                        j["state"] == "done"
                        for j in self.jobs()
                        if j["method"] == "_queue_build_batch" and j["uuid"] != job["uuid"]
                    ),
                    300,
                    what="the other batches",
                )
                built = self.query(
                    "SELECT count(*) FROM invoice_reminder_digest WHERE partner_id = ANY(%s)"
                    " AND period = (SELECT period FROM invoice_reminder_run WHERE id = %s)",
                    (victim_batch["args"][0], run_id),
                )[0][0]
                skipped = self.query(
                    "SELECT count(*) FROM invoice_reminder_run_skip"
                    " WHERE run_id = %s AND partner_id = ANY(%s)",
                    (run_id, victim_batch["args"][0]),
                )[0][0]
                # nothing of it, or all of it when queue_job requeued it itself (its
                # releases since 18.0.2 requeue a job whose worker died) and it ran again
                batch_ids = victim_batch["args"][0]
                whole = tuple(
                    len([pid for pid in batch_ids if pid in prepared[key]])
                    for key in ("expected_digests", "expected_skips")
                )
                self.assertIn((built, skipped), [(0, 0), whole], "a killed batch is all or nothing")
                dead = next(j for j in self.jobs() if j["uuid"] == job["uuid"])
                if dead["state"] == "started":
                    # queue_job 18.0.1.7 leaves it Started: the bridge's cron sees that
                    # nobody holds its customers' locks any more and requeues it
                    self.assertEqual(self.qw.run_state(self.db, run_id), "running")
                    self.requeue_dead_jobs()
                self.qw.wait_for(
                    lambda: self.qw.run_state(self.db, run_id) != "running",
                    300,
                    what="the end of the run",
                )
                self.check_exactly_once()
                pids = cluster.server_pids()
                finished = self.jobs()
                self.assertEqual({j["state"] for j in finished}, {"done"})
                servers_used = {
                    n for j in finished for n, group in enumerate(pids) if j["pid"] in group
                }
                self.assertEqual(servers_used, {0, 1}, "the jobs ran on both servers")

                # a batch job run again (requeued once done): nothing more is sent
                mails = self.query("SELECT count(*) FROM mail_mail")[0][0]
                first = batches[0]["uuid"]
                done_at = next(j for j in self.jobs() if j["uuid"] == first)["date_done"]
                first_id = self.query("SELECT id FROM queue_job WHERE uuid = %s", (first,))[0][0]
                self.rpc("queue.job", "requeue", [[first_id]])

                def run_again():
                    again = next(j for j in self.jobs() if j["uuid"] == first)
                    return again["state"] == "done" and again["date_done"] != done_at

                self.qw.wait_for(run_again, 120, what="the batch job run twice")
                self.check_exactly_once()
                self.assertEqual(self.query("SELECT count(*) FROM mail_mail")[0][0], mails)
        finally:
            blocker.close()
        logs = []
        for path in cluster.logs:
            with open(path, encoding="utf-8") as handle:
                logs.append(handle.read())
        self.assertTrue(
            any("master election lost" in log for log in logs),
            "one runner is elected, the other stands by",
        )
        self.assertEqual(sum("queue job runner ready for db" in log for log in logs), 1)

    def requeue_dead_jobs(self):
        """The bridge's scheduled action, run now as from its form (in a process of
        its own: the servers' one HTTP worker each may be held by a job), with no
        grace period for the jobs started just now."""
        self._odoo(
            "shell",
            "-d",
            self.db,
            "--no-http",
            "--log-level=warn",
            f"--logfile={self.workdir}/shell.log",
            stdin="env['ir.config_parameter'].set_param("
            "'invoice_reminders_queue.dead_job_grace_seconds', '0')\n"
            "env.ref('invoice_reminders_queue.ir_cron_requeue_dead_jobs').method_direct_trigger()\n"
            "env.cr.commit()\n",
        )

    def _blocked(self):
        """Whether a session of the servers waits for a lock."""
        return self.query(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND wait_event_type = 'Lock'",
            (self.db,),
        )

    def check_exactly_once(self):
        run_id = self.prepared["run_id"]
        digests = [
            r[0]
            for r in self.query(
                "SELECT partner_id FROM invoice_reminder_digest WHERE run_id = %s ORDER BY 1",
                (run_id,),
            )
        ]
        skips = [
            r[0]
            for r in self.query(
                "SELECT partner_id FROM invoice_reminder_run_skip WHERE run_id = %s ORDER BY 1",
                (run_id,),
            )
        ]
        self.assertEqual(
            digests, self.prepared["expected_digests"], "each customer once, none lost"
        )
        self.assertEqual(skips, self.prepared["expected_skips"])
        mails = self.query(
            "SELECT count(*), count(DISTINCT d.partner_id) FROM invoice_reminder_digest d"
            " JOIN mail_mail m ON m.id = d.mail_id WHERE d.run_id = %s",
            (run_id,),
        )[0]
        self.assertEqual(mails[0], mails[1], "one email per customer")
