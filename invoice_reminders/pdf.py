"""HTML to PDF with wkhtmltopdf: many documents per process, a few processes at once.

Plain Python (standard library only), no Odoo: tested with pytest in ``tests/``.

Starting wkhtmltopdf (Qt and WebKit) costs far more than converting a
one-page document, and its default JavaScript delay adds 200 ms to each
conversion.  :func:`convert` therefore feeds a batch of documents to one
process through ``--read-args-from-stdin`` (one conversion per line, each
written to its own file: nothing to split afterwards, and every PDF is
exactly what a conversion of that document alone gives), without the
delay, and runs a few such processes in parallel, one per core by default.

This works with every build of wkhtmltopdf 0.12, including Debian's own
(unpatched Qt), which refuses several input documents in one conversion.

A conversion that fails stops its process: the documents after it are
converted by a new process, and the failing one is tried again first in a
fresh process; only a document that fails there, as if converted alone, is
reported failed. One bad document never costs the others their PDF.

>>> is_pdf(b"%PDF-1.4 ... %%EOF")
True
>>> is_pdf(b"")
False
>>> chunks(list(range(5)), 2)
[[0, 1, 2], [3, 4]]
>>> chunks([0, 1, 2], 8, minimum=2)
[[0, 1], [2]]
"""

import os
import shutil
import subprocess
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor

# what the process needs besides each document's own options
DEFAULT_OPTIONS = ("--quiet", "--javascript-delay", "0")
# stderr lines that are noise, not the reason of a failure
NOISE = ("QStandardPaths", "is not support using unpatched qt", "Loading pages", "Counting pages")
MIN_PER_PROCESS = 4
TIMEOUT_BASE_S = 60
TIMEOUT_PER_DOCUMENT_S = 20


class Document:
    """One conversion: the page's HTML, optional header and footer HTML, options.

    ``index`` is the document's place among the headers and footers of the
    report it comes from: Odoo's report layout picks the header of each page
    from the body file's name (``report.body.tmp.<index>.…``), as Odoo names
    it when it converts a report itself.
    """

    __slots__ = ("footer", "header", "html", "index", "options")

    def __init__(self, html, options=(), header=None, footer=None, index=0):
        self.html = html
        self.options = list(options)
        self.header = header
        self.footer = footer
        self.index = index


class Result:
    """The PDF of one document, or the reason it could not be built."""

    __slots__ = ("error", "pdf")

    def __init__(self, pdf=None, error=None):
        self.pdf = pdf
        self.error = error

    def __bool__(self):
        return self.pdf is not None

    def __repr__(self):
        return f"Result({len(self.pdf) if self.pdf else None} bytes, error={self.error!r})"


def is_pdf(content):
    """A complete PDF: its header, and the end-of-file marker near its end."""
    return bool(content) and content.startswith(b"%PDF") and b"%%EOF" in content[-2048:]


def chunks(items, count, minimum=1):
    """``items`` in contiguous chunks of near-equal size: at most ``count`` of them,
    and no more than one per ``minimum`` items."""
    count = max(1, min(count, -(-len(items) // max(minimum, 1))))
    size = -(-len(items) // count) if items else 0
    return [items[i : i + size] for i in range(0, len(items), size)] if items else []


def default_processes():
    """One process per core the machine lets this process use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def _quote(arg):
    """An argument as wkhtmltopdf reads it from stdin (blanks split, quotes group)."""
    if arg and not any(c.isspace() or c in "\"'\\" for c in arg):
        return arg
    return '"' + arg.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _reason(stderr):
    lines = [
        line.strip()
        for line in (stderr or "").splitlines()
        if line.strip() and not any(noise in line for noise in NOISE)
    ]
    return "\n".join(lines)[:500]


def _write(path, text):
    with open(path, "wb") as handle:
        handle.write(text.encode() if isinstance(text, str) else text)


def _prepare(folder, index, document):
    """Write the document's files; returns its stdin line and its output path."""
    args = [*DEFAULT_OPTIONS, *document.options]
    for kind in ("header", "footer"):
        content = getattr(document, kind)
        if content:
            path = os.path.join(folder, f"{kind}{index}.html")
            _write(path, content)
            args += [f"--{kind}-html", path]
    source = os.path.join(folder, f"report.body.tmp.{document.index}.{index}.html")
    output = os.path.join(folder, f"out{index}.pdf")
    _write(source, document.html)
    args += [source, output]
    return " ".join(_quote(arg) for arg in args), output


def _run(binary, lines, timeout):
    """One wkhtmltopdf process converting ``lines``; returns its error output.

    The timeout is kept by a timer thread, not by ``subprocess``' own clock:
    tests that freeze time (freezegun) freeze that clock too.
    """
    try:
        process = subprocess.Popen(
            [binary, "--read-args-from-stdin"],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
    except OSError as error:
        return str(error)
    timer = threading.Timer(timeout, process.kill)
    timer.start()
    try:
        _out, err = process.communicate("\n".join(lines) + "\n")
    finally:
        expired = not timer.is_alive()
        timer.cancel()
    if expired and process.returncode:
        return f"wkhtmltopdf did not finish within {timeout} s"
    return _reason(err) or f"wkhtmltopdf exited with code {process.returncode}"


def _read(path):
    try:
        with open(path, "rb") as handle:
            content = handle.read()
    except OSError:
        return None
    return content if is_pdf(content) else None


def _convert_chunk(binary, jobs, results):
    """Convert ``jobs`` (``(index, line, output)``) into ``results``, retrying after a failure."""
    pending = list(jobs)
    while pending:
        timeout = TIMEOUT_BASE_S + TIMEOUT_PER_DOCUMENT_S * len(pending)
        reason = _run(binary, [line for _i, line, _o in pending], timeout)
        missing = []
        for job in pending:
            content = _read(job[2])
            if content is None:
                missing.append(job)
            else:
                results[job[0]] = Result(pdf=content)
        if missing and missing[0] is pending[0]:
            # it failed first in a fresh process: as it would alone
            results[missing[0][0]] = Result(error=reason or "wkhtmltopdf returned no PDF")
            missing = missing[1:]
        pending = missing


def convert(binary, documents, processes=None):
    """Convert ``documents`` (:class:`Document`) to PDF with the wkhtmltopdf ``binary``.

    :param processes: at most this many wkhtmltopdf processes at once
        (default: one per core)
    :returns: one :class:`Result` per document, in order
    """
    documents = list(documents)
    if not documents:
        return []
    results = [None] * len(documents)
    # no dot in the folder's name: see Document.index
    folder = tempfile.mkdtemp(prefix="invoice_reminders_pdf_")
    try:
        jobs = [(index, *_prepare(folder, index, doc)) for index, doc in enumerate(documents)]
        groups = chunks(jobs, processes or default_processes(), minimum=MIN_PER_PROCESS)
        if len(groups) == 1:
            _convert_chunk(binary, groups[0], results)
        else:
            with ThreadPoolExecutor(max_workers=len(groups)) as pool:
                for future in [
                    pool.submit(_convert_chunk, binary, group, results) for group in groups
                ]:
                    future.result()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return results
