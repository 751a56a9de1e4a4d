"""Several Odoo servers on loopback sharing one database, each with queue_job's runner.

Each server is a real ``odoo-bin`` in prefork mode (``--workers 1``) with
``queue_job`` loaded server-wide, so each runs its own job runner; queue_job
elects one of them per database (the others stand by and take over if it
dies). The elected runner sends every job to a loopback proxy, which sends
each to the server with the fewest jobs running, as the load balancer in
front of several Odoo servers does in a real deployment.

Used by the benchmark (``bench/digest_bench.py --workers N``) and by the
tests of invoice_reminders_queue (``tests/test_job_runners.py``).
"""

import itertools
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request

# loopback ports: HTTP of the servers, their longpolling (gevent) ports, the proxy
# (IR_QUEUE_BASE_PORT moves the nine of them, for runs side by side)
BASE_PORT = int(os.environ.get("IR_QUEUE_BASE_PORT") or 18180)
GEVENT_BASE_PORT = BASE_PORT + 4
PROXY_PORT = BASE_PORT + 8
MAX_SERVERS = 4


class LeastConnectionsProxy:
    """A TCP proxy on loopback sending each connection to the live backend with the
    fewest connections open (as ``balance leastconn`` of a load balancer).

    queue_job's runner gives up waiting for an answer after one second but the
    connection stays open until the job is done, so the open connections of a
    backend are the jobs it is performing: a job goes to a free server.
    """

    def __init__(self, port, backend_ports):
        self.port = port
        self.backends = list(backend_ports)
        self.active = dict.fromkeys(self.backends, 0)
        self.turn = itertools.count()
        self.lock = threading.Lock()
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", port))
        self.sock.listen(64)
        self.thread = threading.Thread(target=self._serve, daemon=True)

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        # shutdown wakes the thread blocked in accept(), which holds the port
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()
        self.thread.join(timeout=5)

    def _serve(self):
        while True:
            try:
                client, _addr = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._handle, args=(client,), daemon=True).start()

    def _candidates(self):
        with self.lock:
            start = next(self.turn) % len(self.backends)
            ring = self.backends[start:] + self.backends[:start]
            return sorted(ring, key=lambda port: self.active[port])

    def _handle(self, client):
        backend = port = None
        for port in self._candidates():
            try:
                backend = socket.create_connection(("127.0.0.1", port), timeout=5)
                backend.settimeout(None)
                break
            except OSError:
                continue
        if backend is None:
            client.close()
            return
        with self.lock:
            self.active[port] += 1
        pumps = [
            threading.Thread(target=self._pump, args=(client, backend), daemon=True),
            threading.Thread(target=self._pump, args=(backend, client), daemon=True),
        ]
        for pump in pumps:
            pump.start()
        for pump in pumps:
            pump.join()
        with self.lock:
            self.active[port] -= 1
        client.close()
        backend.close()

    @staticmethod
    def _pump(source, target):
        """Copy until end of stream, then half-close: the other way goes on."""
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass
        try:
            target.shutdown(socket.SHUT_WR)
        except OSError:
            pass


def write_config(path, db, port, gevent_port, capacity, logfile, proxy_port=PROXY_PORT):
    """The Odoo configuration of one server: what a real deployment sets too."""
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(
            f"""[options]
db_name = {db}
dbfilter = ^{db}$
http_interface = 127.0.0.1
http_port = {port}
gevent_port = {gevent_port}
workers = 1
max_cron_threads = 0
server_wide_modules = base,web,queue_job
limit_time_real = 3600
limit_time_cpu = 3600
logfile = {logfile}
log_level = info
log_handler = :INFO,odoo.addons.queue_job.jobrunner.runner:DEBUG

[queue_job]
# the capacity of the reminders' channel: how many batches run at once
channels = root:{capacity},root.invoice_reminders:{capacity}
# the runner sends the jobs to the load balancer (here the loopback proxy)
host = 127.0.0.1
port = {proxy_port}
"""
        )


class Cluster:
    """``count`` Odoo servers sharing ``db``, and the proxy in front of them."""

    def __init__(self, count, db, odoo_bin, odoo_options, workdir, capacity=None):
        if not 1 <= count <= MAX_SERVERS:
            raise ValueError(f"between 1 and {MAX_SERVERS} servers")
        self.count = count
        self.db = db
        self.odoo_bin = odoo_bin
        self.odoo_options = list(odoo_options)
        self.workdir = workdir
        self.capacity = capacity or count
        self.ports = [BASE_PORT + n for n in range(count)]
        self.logs = [os.path.join(workdir, f"odoo-server-{n + 1}.log") for n in range(count)]
        self.servers = []
        self.proxy = None

    def start(self, timeout=180):
        os.makedirs(self.workdir, exist_ok=True)
        for n in range(self.count):
            for port in (self.ports[n], GEVENT_BASE_PORT + n):
                with socket.socket() as probe:
                    if probe.connect_ex(("127.0.0.1", port)) == 0:
                        raise RuntimeError(f"loopback port {port} is already in use")
        self.proxy = LeastConnectionsProxy(PROXY_PORT, self.ports).start()
        for n, port in enumerate(self.ports):
            config = os.path.join(self.workdir, f"odoo-server-{n + 1}.conf")
            if os.path.exists(self.logs[n]):
                os.remove(self.logs[n])
            write_config(config, self.db, port, GEVENT_BASE_PORT + n, self.capacity, self.logs[n])
            self.servers.append(
                subprocess.Popen(
                    [
                        sys.executable,
                        self.odoo_bin,
                        "-c",
                        config,
                        *self.odoo_options,
                        f"--logfile={self.logs[n]}",
                        "--log-level=info",
                    ],
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                    start_new_session=True,
                )
            )
        for port in self.ports:
            wait_http(port, timeout)
        return self

    def stop(self):
        for server in self.servers:
            if server.poll() is None:
                os.killpg(server.pid, signal.SIGTERM)
        for server in self.servers:
            try:
                server.wait(timeout=60)
            except subprocess.TimeoutExpired:
                pass
            # whatever is left of the server's processes (a worker in a request)
            try:
                os.killpg(server.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            server.wait()
        if self.proxy:
            self.proxy.stop()

    def server_pids(self):
        """The process ids of each server and its workers."""
        result = []
        for server in self.servers:
            pids = {server.pid}
            for entry in os.listdir("/proc"):
                if entry.isdigit():
                    try:
                        with open(f"/proc/{entry}/stat", encoding="ascii") as stat:
                            fields = stat.read().rsplit(")", 1)[1].split()
                    except OSError:
                        continue
                    if int(fields[2]) == server.pid:  # process group
                        pids.add(int(entry))
            result.append(pids)
        return result

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def wait_http(port, timeout):
    deadline = time.monotonic() + timeout
    url = f"http://127.0.0.1:{port}/web/health"
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"no Odoo server answered on port {port}")
        time.sleep(0.5)


def wait_for(condition, timeout, step=0.5, what="the condition"):
    """Poll ``condition()`` until it returns something true; returns it."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        time.sleep(step)


# ---------------------------------------------------------------------------
# A run on the job queue
# ---------------------------------------------------------------------------


def _digest_bench():
    import importlib.util

    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "digest_bench.py")
    spec = importlib.util.spec_from_file_location("digest_bench", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def reference_run(env, company, now, batch_size):
    """Who the run reminds and skips when built in one process, without the queue.

    Built for real, then rolled back: the batches' commits are held back the
    way they are in tests.
    """
    from odoo.addons.invoice_reminders_queue.models.invoice_reminder_run import BUILD_HERE

    Run = env["invoice.reminder.run"].with_company(company).with_context(**{BUILD_HERE: True})
    result = {}

    def build():
        runs = Run._send_company_digests(company, now=now, batch_size=batch_size)
        result["digests"] = sorted(runs.digest_ids.partner_id.ids)
        result["skips"] = sorted(runs.skip_ids.partner_id.ids)

    thread = threading.current_thread()
    testing = getattr(thread, "testing", False)
    thread.testing = True
    try:
        Run._in_rolled_back_savepoint(build)
    finally:
        thread.testing = testing
    return result


def prepare_run(
    env,
    customers,
    invoices,
    batch_size,
    capacity,
    seed=42,
    generate=True,
    reference=True,
    statements=False,
):
    """Build the load (with ``generate``), then queue one run's batch jobs; commits.

    :param capacity: unused here: the channels' capacity is the servers' configuration
    :param reference: also compute who the run should remind and skip
    :param statements: every level attaches the statement PDF
    :returns: the run, its jobs (and who the run should remind and skip)
    """
    from odoo import fields

    if generate:
        _digest_bench().generate(env, customers, invoices, seed=seed)
    company = env.ref("base.main_company")
    if statements:
        env["invoice.reminder.level"].search([]).write({"attach_statement_pdf": True})
    now = fields.Datetime.now()
    expected = reference_run(env, company, now, batch_size) if reference else {}
    start = time.perf_counter()
    runs = (
        env["invoice.reminder.run"]
        .with_company(company)
        ._send_company_digests(company, now=now, batch_size=batch_size)
    )
    env.cr.commit()
    queued_at = time.time()
    jobs = env["queue.job"].search([("identity_key", "=like", f"invoice_reminder_run:{runs.id}:%")])
    return {
        "run_id": runs.id,
        "jobs": len(jobs),
        "dispatch_s": round(time.perf_counter() - start, 3),
        "queued_at": queued_at,
        "expected_digests": expected.get("digests"),
        "expected_skips": expected.get("skips"),
    }


def run_state(db, run_id):
    import odoo

    with odoo.sql_db.db_connect(db).cursor() as cr:
        cr.execute("SELECT state FROM invoice_reminder_run WHERE id = %s", (run_id,))
        return cr.fetchone()[0]


def shell_script(customers, invoices, batch_size, capacity, **options):
    """The ``odoo-bin shell`` input that runs :func:`prepare_run` and prints its result."""
    here = os.path.abspath(__file__)
    return f"""
import importlib.util, json
spec = importlib.util.spec_from_file_location("queue_workers", {here!r})
queue_workers = importlib.util.module_from_spec(spec)
spec.loader.exec_module(queue_workers)
result = queue_workers.prepare_run(env, {customers}, {invoices}, {batch_size}, {capacity},
                                   **{options!r})
print("QUEUE-RUN " + json.dumps(result))
"""


def parse_shell_output(stdout):
    import json

    for line in stdout.splitlines():
        if line.startswith("QUEUE-RUN "):
            return json.loads(line[len("QUEUE-RUN ") :])
    raise ValueError("the shell printed no result:\n" + stdout[-2000:])
