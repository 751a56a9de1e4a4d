"""A local SMTP server for the demo: every message received is saved as an .eml file.

Usage: python scripts/smtp_sink_server.py --port 2525 --dir .demo/mail
Listens on 127.0.0.1 only; stops on SIGTERM/SIGINT.
"""

import argparse
import importlib.util
import os
import signal
import threading

HERE = os.path.dirname(os.path.abspath(__file__))


def load_sink():
    path = os.path.join(HERE, "..", "invoice_reminders", "tests", "smtp_sink.py")
    spec = importlib.util.spec_from_file_location("invoice_reminders_smtp_sink", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.SMTPSink


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=2525)
    parser.add_argument("--dir", required=True)
    args = parser.parse_args()
    sink = load_sink()(port=args.port, save_dir=args.dir).start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    print(f"SMTP sink listening on 127.0.0.1:{args.port}, saving to {args.dir}", flush=True)
    stop.wait()
    sink.stop()


if __name__ == "__main__":
    main()
