"""The decisions of the reminder page: token expiry, rate limit, promise, dispute,
paid, call and file checks, promise replacement."""

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest

TODAY = date(2026, 2, 2)


@pytest.mark.parametrize(
    ("today", "open_invoices", "valid"),
    [
        (TODAY, 1, True),
        (TODAY - timedelta(days=1), 1, True),  # a clock a day behind
        (TODAY + timedelta(days=90), 3, True),
        (TODAY + timedelta(days=91), 3, False),
        (TODAY, 0, False),
        (TODAY + timedelta(days=10), 0, False),
    ],
)
def test_token_expires_after_90_days_or_once_paid(rules, today, open_invoices, valid):
    assert rules.answer_token_valid(TODAY, today, open_invoices) is valid


def test_limits(rules):
    assert rules.ANSWER_TOKEN_DAYS == 90
    assert rules.ANSWER_MAX_FILE_BYTES == 10 * 1024 * 1024
    assert rules.ANSWER_TEXT_MAX == 2000
    assert rules.ANSWER_PHONE_MAX == 32


def test_rate_limit_counts_the_last_hour_only(rules):
    now = datetime(2026, 2, 2, 10, 0)
    limit = rules.ANSWER_RATE_LIMIT
    assert limit == 10
    assert not rules.answer_rate_limited([], now)
    assert not rules.answer_rate_limited([now] * (limit - 1), now)
    assert rules.answer_rate_limited([now] * limit, now)
    just_in = now - timedelta(minutes=59, seconds=59)
    just_out = now - timedelta(hours=1)
    assert rules.answer_rate_limited([just_in] * limit, now)
    assert not rules.answer_rate_limited([just_out] * limit, now)
    assert not rules.answer_rate_limited([just_out] * 50 + [now] * (limit - 1), now)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("80", Decimal("80")),
        ("80.5", Decimal("80.5")),
        ("80,50", Decimal("80.50")),
        ("1 234,56", Decimal("1234.56")),
        ("1\u00a0234.56", Decimal("1234.56")),
        ("1.234,56", Decimal("1234.56")),
        ("1,234.56", Decimal("1234.56")),
        ("1'234.56", Decimal("1234.56")),
        ("1.234", Decimal("1234")),
        ("0", Decimal("0")),
        ("", None),
        (None, None),
        ("-10", None),
        ("+10", None),
        ("1e5", None),
        ("NaN", None),
        ("Infinity", None),
        ("12.3.4,5x", None),
        ("1" * 21, None),
        ("1" * 20, Decimal("1" * 20)),
        (".5", None),
    ],
)
def test_parse_amount(rules, text, expected):
    assert rules.parse_amount(text) == expected


@pytest.mark.parametrize(
    ("promised_on", "amount", "error"),
    [
        (TODAY, Decimal("100"), None),
        (TODAY + timedelta(days=30), Decimal("0.01"), None),
        (TODAY + timedelta(days=31), Decimal("100"), "date_too_far"),
        (TODAY - timedelta(days=1), Decimal("100"), "date_past"),
        (None, Decimal("100"), "date_missing"),
        (TODAY, None, "amount_invalid"),
        (TODAY, Decimal("0"), "amount_zero"),
        (TODAY, Decimal("100.004"), None),  # rounding noise of what is due
        (TODAY, Decimal("100.005"), None),
        (TODAY, Decimal("100.01"), "amount_above_due"),
    ],
)
def test_promise_error(rules, promised_on, amount, error):
    assert rules.promise_error(TODAY, promised_on, amount, 100.0, 30) == error


def test_promise_limit_of_zero_days_is_today_only(rules):
    assert rules.promise_error(TODAY, TODAY, Decimal(1), 1, -5) is None
    assert rules.promise_error(TODAY, TODAY, Decimal(1), 1, 0) is None
    assert rules.promise_error(TODAY, TODAY + timedelta(days=1), Decimal(1), 1, 0) == "date_too_far"
    assert (
        rules.promise_error(TODAY, TODAY + timedelta(days=1), Decimal(1), 1, -5) == "date_too_far"
    )


def test_paid_error(rules):
    assert rules.paid_error(TODAY, TODAY) is None
    assert rules.paid_error(TODAY, TODAY - timedelta(days=400)) is None
    assert rules.paid_error(TODAY, TODAY + timedelta(days=1)) == "date_future"
    assert rules.paid_error(TODAY, None) == "date_missing"


def test_dispute_error(rules):
    reasons = ["price", "quantity", "other"]
    assert rules.dispute_error("other", reasons, "x" * rules.ANSWER_TEXT_MAX) is None
    assert rules.dispute_error(None, reasons, "") == "reason_missing"
    assert rules.dispute_error("forged", reasons, "") == "reason_missing"
    assert (
        rules.dispute_error("price", reasons, "x" * (rules.ANSWER_TEXT_MAX + 1)) == "text_too_long"
    )


@pytest.mark.parametrize(
    ("phone", "error"),
    [
        ("+33 1 23 45 67 89", None),
        ("(555) 123-4567", None),
        ("123456", None),
        ("12345", "phone_invalid"),
        ("", "phone_invalid"),
        (None, "phone_invalid"),
        ("call me at 123456", "phone_invalid"),
        ("<script>123456</script>", "phone_invalid"),
        ("1" * 33, "phone_invalid"),
        ("1" * 32, None),
    ],
)
def test_call_error(rules, phone, error):
    assert rules.call_error(phone, "mornings") == error


def test_call_preferred_time_length(rules):
    assert rules.call_error("123456", "x" * rules.ANSWER_TEXT_MAX) is None
    assert rules.call_error("123456", "x" * (rules.ANSWER_TEXT_MAX + 1)) == "text_too_long"
    assert rules.call_error("123456", None) is None


@pytest.mark.parametrize(
    ("name", "size", "head", "error"),
    [
        ("proof.pdf", 10, b"%PDF-1.4", None),
        ("PROOF.PDF", 10, b"%PDF-1.4", None),
        ("scan.png", 10, b"\x89PNG\r\n\x1a\n...", None),
        ("scan.jpeg", 10, b"\xff\xd8\xff\xe0", None),
        ("note.txt", 10, b"anything", None),
        ("letter.docx", 10, b"PK\x03\x04", None),
        ("proof.pdf", 10 * 1024 * 1024, b"%PDF", None),
        ("proof.pdf", 10 * 1024 * 1024 + 1, b"%PDF", "file_too_big"),
        ("virus.exe", 10, b"MZ", "file_type"),
        ("page.html", 10, b"<html>", "file_type"),
        ("image.svg", 10, b"<svg", "file_type"),
        ("noextension", 10, b"%PDF", "file_type"),
        ("", 10, b"%PDF", "file_type"),
        ("fake.pdf", 10, b"<html>", "file_type"),
        ("fake.png", 10, b"%PDF", "file_type"),
        ("fake.docx", 10, b"MZ", "file_type"),
    ],
)
def test_file_error(rules, name, size, head, error):
    assert rules.file_error(name, size, head) == error


@pytest.mark.parametrize(
    ("moves", "others", "error"),
    [
        ([1], [], None),
        ([1], [("open", [1])], None),
        ([1, 2], [("open", [1]), ("open", [2])], None),
        ([1, 2], [("open", [1, 2])], None),
        ([1], [("open", [1, 2])], "promise_wider"),
        ([1], [("kept", [1])], "promise_closed"),
        ([1], [("broken", [1])], "promise_closed"),
        ([1, 2], [("open", [1]), ("broken", [2])], "promise_closed"),
        ([1], [("broken", [5]), ("open", [7, 8])], None),  # not on these invoices
    ],
)
def test_promise_replacement(rules, moves, others, error):
    assert rules.promise_replacement(moves, others) == error
