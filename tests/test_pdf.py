"""wkhtmltopdf driven in batches (invoice_reminders/pdf.py), on the machine's own build."""

import importlib.util
import shutil
import subprocess
from pathlib import Path

import pytest

# by file path: importing the package would import Odoo
_SPEC = importlib.util.spec_from_file_location(
    "invoice_reminders_pdf", Path(__file__).resolve().parent.parent / "invoice_reminders" / "pdf.py"
)
pdf = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(pdf)

WKHTMLTOPDF = shutil.which("wkhtmltopdf")
needs_wkhtmltopdf = pytest.mark.skipif(not WKHTMLTOPDF, reason="wkhtmltopdf is not installed")


def text(content, tmp_path):
    path = tmp_path / "read.pdf"
    path.write_bytes(content)
    return subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def page(i, rows=5):
    cells = "".join(f"<tr><td>Row {i}-{j}</td></tr>" for j in range(rows))
    return pdf.Document(f"<html><body><h1>Document {i}</h1><table>{cells}</table></body></html>")


# -- without wkhtmltopdf ------------------------------------------------------

# the end-of-file marker starts 2048 bytes from the end
EOF_AT_2048 = b"%PDF-1.4" + b"%%EOF" + b"x" * (2048 - 5)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"%PDF-1.4 ... %%EOF\n", True),
        (b"", False),
        (None, False),
        (b"%PDF-1.4 cut short", False),
        (b"<html>not a PDF %%EOF", False),
        (EOF_AT_2048, True),
        (EOF_AT_2048 + b"x", False),  # the marker too far from the end
    ],
)
def test_is_pdf(content, expected):
    assert pdf.is_pdf(content) is expected


@pytest.mark.parametrize(
    ("count", "processes", "minimum", "sizes"),
    [
        (3, 8, None, [1, 1, 1]),  # by default, as many chunks as it takes
        (3, 8, 2, [2, 1]),
        (3, 8, 0, [1, 1, 1]),  # a minimum under 1 counts as 1
        (3, 0, 1, [3]),  # at least one chunk
        (3, -1, 1, [3]),
    ],
)
def test_chunks_limits(count, processes, minimum, sizes):
    options = {} if minimum is None else {"minimum": minimum}
    parts = pdf.chunks(list(range(count)), processes, **options)
    assert [len(part) for part in parts] == sizes


@pytest.mark.parametrize(
    ("affinity", "cpu_count", "expected"),
    [
        ({0, 1, 2}, None, 3),  # the cores this process may use
        ({0}, None, 1),
        (set(), None, 1),  # never fewer than one
        (None, 3, 3),  # elsewhere than Linux: the machine's cores
        (None, 1, 1),
        (None, None, 1),
    ],
)
def test_default_processes(monkeypatch, affinity, cpu_count, expected):
    if affinity is None:
        monkeypatch.delattr(pdf.os, "sched_getaffinity")
    else:
        # another process (pid 1) may use other cores
        monkeypatch.setattr(pdf.os, "sched_getaffinity", lambda pid: affinity if pid == 0 else {9})
    monkeypatch.setattr(pdf.os, "cpu_count", lambda: cpu_count)
    assert pdf.default_processes() == expected


def test_reason_keeps_what_is_not_noise():
    stderr = "QStandardPaths: XDG_RUNTIME_DIR not set\nLoading pages (1/6)\n\n  Error: no host  \n"
    assert pdf._reason(stderr) == "Error: no host"
    assert pdf._reason(None) == pdf._reason("") == ""
    assert pdf._reason("e" * 600) == "e" * 500


def test_a_document_alone_is_the_first_of_its_report(tmp_path):
    document = pdf.Document("<p>x</p>", ["--page-size", "A4"], header="<p>h</p>")
    assert (document.index, document.footer) == (0, None)
    line, output = pdf._prepare(str(tmp_path), 3, document)
    assert output == str(tmp_path / "out3.pdf")
    assert line.split() == [
        *pdf.DEFAULT_OPTIONS,
        *("--page-size", "A4", "--header-html", str(tmp_path / "header3.html")),
        str(tmp_path / "report.body.tmp.0.3.html"),
        output,
    ]
    assert (tmp_path / "header3.html").read_text() == "<p>h</p>"


def test_a_failure_is_retried_alone_with_its_own_timeout(monkeypatch, tmp_path):
    """Each process gets 60 s and 20 s a document; after a failure, a fresh one."""
    calls = []

    def run(binary, lines, timeout):  # converts up to the first bad document
        calls.append((len(lines), timeout))
        for line in lines:
            if "bad" in line:
                break
            Path(line).write_bytes(b"%PDF-1.4 %%EOF")
        return "bad document"

    monkeypatch.setattr(pdf, "_run", run)
    paths = [str(tmp_path / name) for name in ("out0.pdf", "bad1.pdf", "out2.pdf")]
    results = [None] * 3
    pdf._convert_chunk("wkhtmltopdf", [(i, path, path) for i, path in enumerate(paths)], results)
    assert calls == [(3, 120), (2, 100), (1, 80)]
    assert [bool(result) for result in results] == [True, False, True]
    assert results[1].error == "bad document"


@pytest.mark.parametrize(
    ("count", "processes", "groups"),
    [
        (3, 8, [[0, 1, 2]]),  # four documents a process at least
        (5, 8, [[0, 1, 2], [3, 4]]),
        (7, 8, [[0, 1, 2, 3], [4, 5, 6]]),
        (9, 2, [[0, 1, 2, 3, 4], [5, 6, 7, 8]]),  # no more processes than asked
    ],
)
def test_documents_shared_among_processes(monkeypatch, count, processes, groups):
    seen = []

    def convert_chunk(binary, jobs, results):
        seen.append([job[0] for job in jobs])
        for job in jobs:
            results[job[0]] = pdf.Result(pdf=b"%PDF")

    monkeypatch.setattr(pdf, "_convert_chunk", convert_chunk)
    results = pdf.convert("wkhtmltopdf", [page(i) for i in range(count)], processes=processes)
    assert sorted(seen) == groups
    assert all(results)


# -- with wkhtmltopdf ---------------------------------------------------------


@needs_wkhtmltopdf
@pytest.mark.parametrize("processes", [1, 2, 3])
def test_every_document_gets_its_own_pdf_in_order(tmp_path, processes):
    documents = [page(i, rows=200 if i == 3 else 5) for i in range(11)]
    results = pdf.convert(WKHTMLTOPDF, documents, processes=processes)
    assert len(results) == 11
    for i, result in enumerate(results):
        assert result, result
        content = text(result.pdf, tmp_path)
        assert f"Document {i}" in content
        assert not [f"Document {j}" for j in range(11) if j != i and f"Document {j}\n" in content]
    assert "Row 3-199" in text(results[3].pdf, tmp_path)


@needs_wkhtmltopdf
def test_same_text_as_one_conversion_per_process(tmp_path):
    documents = [page(i) for i in range(6)]
    together = pdf.convert(WKHTMLTOPDF, documents, processes=2)
    for document, result in zip(documents, together, strict=True):
        alone = pdf.convert(WKHTMLTOPDF, [document], processes=1)[0]
        assert text(result.pdf, tmp_path) == text(alone.pdf, tmp_path)


@needs_wkhtmltopdf
def test_a_failing_document_costs_the_others_nothing(tmp_path):
    documents = [page(i) for i in range(8)]
    documents[2] = pdf.Document("<p>bad</p>", ["--no-such-option"])
    documents[6] = pdf.Document("<p>bad too</p>", ["--no-such-option"])
    results = pdf.convert(WKHTMLTOPDF, documents, processes=1)
    assert [bool(result) for result in results] == [
        True,
        True,
        False,
        True,
        True,
        True,
        False,
        True,
    ]
    assert results[2].error
    assert "Document 7" in text(results[7].pdf, tmp_path)


@needs_wkhtmltopdf
def test_a_binary_that_makes_no_pdf(tmp_path):
    results = pdf.convert("/bin/false", [page(0), page(1)])
    assert [bool(result) for result in results] == [False, False]
    assert "exited with code 1" in results[0].error
    results = pdf.convert(str(tmp_path / "missing"), [page(0)])
    assert not results[0] and "No such file" in results[0].error


@needs_wkhtmltopdf
def test_nothing_to_convert():
    assert pdf.convert(WKHTMLTOPDF, []) == []


@needs_wkhtmltopdf
def test_header_index_is_in_the_body_file_name(tmp_path):
    """Odoo's report layout finds each record's header from the body file's name."""
    script = (
        "<script>function subst(){var v=document.location.search;"
        "document.getElementById('h').textContent='index '+"
        "decodeURIComponent(v).split('webpage=')[1].split('.',4)[3];}</script>"
    )
    header = f"<html><head>{script}</head><body onload='subst()'><p id='h'></p></body></html>"
    documents = [pdf.Document(page(i).html, header=header, index=i + 5) for i in range(2)]
    results = pdf.convert(WKHTMLTOPDF, documents)
    assert all(results)  # the header is ignored by builds without patched Qt


@pytest.mark.parametrize(
    ("count", "processes", "minimum", "sizes"),
    [(10, 2, 4, [5, 5]), (5, 4, 4, [3, 2]), (3, 2, 4, [3]), (0, 2, 4, []), (9, 3, 1, [3, 3, 3])],
)
def test_chunks(count, processes, minimum, sizes):
    parts = pdf.chunks(list(range(count)), processes, minimum=minimum)
    assert [len(part) for part in parts] == sizes
    assert [item for part in parts for item in part] == list(range(count))


def test_quote():
    assert pdf._quote("plain") == "plain"
    assert pdf._quote("a b") == '"a b"'
    assert pdf._quote('say "hi"') == '"say \\"hi\\""'
