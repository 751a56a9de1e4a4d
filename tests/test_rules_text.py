"""E-mail addresses, attachment file names and text a Word document can hold
(``rules/text.py``), without Odoo."""

from datetime import date

import pytest

D = date


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Acme\x0bLtd", "AcmeLtd"),
        ("\x00\x01\x08\x0c\x0e\x1f", ""),
        ("tab\tnew\nline\rok", "tab\tnew\nline\rok"),
        ("Société <b> & 'x'", "Société <b> & 'x'"),
        ("", ""),
    ],
)
def test_strings(rules, text, expected):
    assert rules.xml_text(text) == expected


def test_nested_values_keep_their_shape(rules):
    data = {"customer": {"name": "A\x0bB", "lines": ["x\x07"]}, "rows": [("1\x1f", 2.5)], "n": None}
    assert rules.xml_text(data) == {
        "customer": {"name": "AB", "lines": ["x"]},
        "rows": [("1", 2.5)],
        "n": None,
    }


# ---------------------------------------------------------------------------
# E-mail addresses
# ---------------------------------------------------------------------------


def test_split_emails(rules):
    assert rules.split_emails(None) == []
    assert rules.split_emails("") == []
    assert rules.split_emails(" ,; \n") == []
    assert rules.split_emails("a@x.be") == ["a@x.be"]
    text = " Ann@X.be, bob@x.be;carl@x.be\n\tann@x.be ;; BOB@X.BE  dan@x.be,\r\n"
    assert rules.split_emails(text) == ["Ann@X.be", "bob@x.be", "carl@x.be", "dan@x.be"]


@pytest.mark.parametrize(
    "address",
    ["a@b.co", "first.last+tag@sub.example.org", "o'brien@example.ie", "A_B@EXAMPLE.COM"],
)
def test_valid_email(rules, address):
    assert rules.is_valid_email(address) is True


@pytest.mark.parametrize(
    "address",
    [
        "",
        None,
        "ann",
        "@example.com",
        "ann@",
        "ann@localhost",
        "ann@@example.com",
        "ann@bob@example.com",
        "ann smith@example.com",
        "ann@exa mple.com",
        " ann@example.com",
        "ann@example.com\n",
        "ann@.com",
        "ann@example.com.",
        "ann@example..com",
        "ann@example.com,bob@example.com",
    ],
)
def test_invalid_email(rules, address):
    assert rules.is_valid_email(address) is False


# ---------------------------------------------------------------------------
# Attachment file names
# ---------------------------------------------------------------------------


def test_default_attachment_name(rules):
    assert rules.DEFAULT_ATTACHMENT_NAME == "Statement {customer} {date}"
    assert (
        rules.expand_filename(None, "pdf", customer="Deco Addict", date=D(2026, 2, 2))
        == "Statement Deco Addict 2026-02-02.pdf"
    )
    assert rules.expand_filename("   ", "docx", customer="X", date=D(2026, 2, 2)) == (
        "Statement X 2026-02-02.docx"
    )


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("Statement {customer} {date}", "Statement Deco Addict 2026-02-02.pdf"),
        ("{date}-{customer}", "2026-02-02-Deco Addict.pdf"),
        ("{company} reminder", "YourCo reminder.pdf"),
        ("Reminder {unknown}", "Reminder {unknown}.pdf"),
        ("No placeholder", "No placeholder.pdf"),
        ("{customer}{customer}", "Deco AddictDeco Addict.pdf"),
    ],
)
def test_expand_filename_placeholders(rules, pattern, expected):
    values = {"customer": "Deco Addict", "date": D(2026, 2, 2), "company": "YourCo"}
    assert rules.expand_filename(pattern, "pdf", **values) == expected


def test_expand_filename_extension_with_or_without_dot(rules):
    assert rules.expand_filename("a", ".pdf") == "a.pdf"
    assert rules.expand_filename("a", "pdf") == "a.pdf"
    assert rules.expand_filename("a", "") == "a"


def test_expand_filename_none_value_is_empty(rules):
    assert rules.expand_filename("S {customer} {date}", "pdf", customer=None, date=None) == "S.pdf"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Deco/Addict", "Deco_Addict"),
        ('a\\b:c*d?e"f<g>h|i', "a_b_c_d_e_f_g_h_i"),
        ("tab\there\nnew", "tab here new"),
        ("  spaced   out  ", "spaced out"),
        ("..hidden.", "hidden"),
        ("", "document"),
        (None, "document"),
        ("///", "___"),
        ("Müller & Söhne — Zürich", "Müller & Söhne — Zürich"),
        ("\x00\x01\x7f", "___"),
    ],
)
def test_sanitize_filename(rules, name, expected):
    assert rules.sanitize_filename(name) == expected


def test_sanitize_filename_length(rules):
    assert len(rules.sanitize_filename("x" * 500)) == 120
    assert len(rules.sanitize_filename("x" * 120)) == 120
    assert rules.sanitize_filename("ab cd", max_length=3) == "ab"
    long_name = rules.expand_filename("{customer}", "docx", customer="y" * 500)
    assert len(long_name) == 120
    assert long_name.endswith(".docx")


def test_expand_filename_never_makes_a_path(rules):
    name = rules.expand_filename("{customer}", "pdf", customer="../../etc/passwd")
    assert "/" not in name
    assert not name.startswith(".")
