"""A local HTTP endpoint standing in for Odoo's SMS service (IAP's JSON-RPC), for tests."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORTS = range(18190, 18200)  # loopback ports the tests may use


class SMSSink:
    """Answers ``/api/sms/3/send`` like IAP and keeps every message it got.

    Numbers in ``failing`` are answered ``wrong_number_format``, the others
    ``success``.
    """

    def __init__(self):
        self.requests = []
        self.failing = set()
        self.server = None
        self.thread = None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self):
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                payload = json.loads(self.rfile.read(length) or b"{}")
                sink.requests.append({"path": self.path, "payload": payload})
                results = [
                    {
                        "uuid": number["uuid"],
                        "state": "wrong_number_format"
                        if number["number"] in sink.failing
                        else "success",
                        "credit": 1,
                    }
                    for message in (payload.get("params") or {}).get("messages", [])
                    for number in message["numbers"]
                ]
                body = json.dumps(
                    {"jsonrpc": "2.0", "id": payload.get("id"), "result": results}
                ).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):  # quiet: nothing in Odoo's log
                return

        last_error = None
        for port in PORTS:
            try:
                self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
                break
            except OSError as error:
                last_error = error
        else:
            raise last_error
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)

    def reset(self):
        self.requests.clear()
        self.failing.clear()

    def messages(self):
        """``[(number, text)]`` of every SMS received."""
        return [
            (number["number"], message["content"])
            for request in self.requests
            for message in request["payload"]["params"]["messages"]
            for number in message["numbers"]
        ]
