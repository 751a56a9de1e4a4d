"""A real SMTP server on loopback (aiosmtpd) that keeps every message it receives.

Used by the tests (which parse what arrived) and by the demo (which saves each
message as an ``.eml`` file).  Addresses can be refused on purpose to exercise
the failure path of a real SMTP conversation.
"""

import email
import email.policy
import os
import socket
import threading

from aiosmtpd.controller import Controller


class _Handler:
    def __init__(self, sink):
        self.sink = sink

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.sink.refused:
            return "550 5.1.1 Mailbox unavailable: " + address
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.sink._store(envelope.mail_from, list(envelope.rcpt_tos), envelope.content)
        return "250 Message accepted for delivery"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SMTPSink:
    """Start with :meth:`start`, stop with :meth:`stop`; ``messages`` holds what arrived."""

    def __init__(self, port=None, save_dir=None):
        self.port = port or free_port()
        self.save_dir = save_dir
        self.refused = set()
        self.messages = []
        self._lock = threading.Lock()
        self._controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port)

    def _store(self, mail_from, rcpt_tos, content):
        message = email.message_from_bytes(content, policy=email.policy.default)
        with self._lock:
            self.messages.append(
                {"mail_from": mail_from, "rcpt_tos": rcpt_tos, "message": message, "raw": content}
            )
            if self.save_dir:
                os.makedirs(self.save_dir, exist_ok=True)
                path = os.path.join(self.save_dir, f"{len(self.messages):05d}.eml")
                with open(path, "wb") as fh:
                    fh.write(content)

    def start(self):
        self._controller.start()
        return self

    def stop(self):
        self._controller.stop()

    def reset(self):
        with self._lock:
            self.messages.clear()
        self.refused.clear()

    def to(self, address):
        """Messages delivered to ``address`` (envelope recipient)."""
        address = address.lower()
        return [m for m in self.messages if address in [r.lower() for r in m["rcpt_tos"]]]
