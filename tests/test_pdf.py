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
pytestmark = pytest.mark.skipif(not WKHTMLTOPDF, reason="wkhtmltopdf is not installed")


def text(content, tmp_path):
    path = tmp_path / "read.pdf"
    path.write_bytes(content)
    return subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def page(i, rows=5):
    cells = "".join(f"<tr><td>Row {i}-{j}</td></tr>" for j in range(rows))
    return pdf.Document(f"<html><body><h1>Document {i}</h1><table>{cells}</table></body></html>")


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


def test_same_text_as_one_conversion_per_process(tmp_path):
    documents = [page(i) for i in range(6)]
    together = pdf.convert(WKHTMLTOPDF, documents, processes=2)
    for document, result in zip(documents, together, strict=True):
        alone = pdf.convert(WKHTMLTOPDF, [document], processes=1)[0]
        assert text(result.pdf, tmp_path) == text(alone.pdf, tmp_path)


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


def test_a_binary_that_makes_no_pdf(tmp_path):
    results = pdf.convert("/bin/false", [page(0), page(1)])
    assert [bool(result) for result in results] == [False, False]
    assert "exited with code 1" in results[0].error
    results = pdf.convert(str(tmp_path / "missing"), [page(0)])
    assert not results[0] and "No such file" in results[0].error


def test_nothing_to_convert():
    assert pdf.convert(WKHTMLTOPDF, []) == []


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
