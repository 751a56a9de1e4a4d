"""The customer's answers on a reminder's page: how long its token holds, how
often it answers, and what a promise, a dispute, a payment report, a call
request or an uploaded file must be to be taken."""

import re
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from decimal import Decimal

from .amounts import _decimal
from .eligibility import _TOLERANCE

ANSWER_PROMISE = "promise"
ANSWER_DISPUTE = "dispute"
ANSWER_PAID = "paid"
ANSWER_CALL = "call"
ANSWER_KINDS = (ANSWER_PROMISE, ANSWER_DISPUTE, ANSWER_PAID, ANSWER_CALL)

# the reminder page answers its token for this many days after the reminder
ANSWER_TOKEN_DAYS = 90
# answers accepted per token within ANSWER_RATE_WINDOW
ANSWER_RATE_LIMIT = 10
ANSWER_RATE_WINDOW = timedelta(hours=1)
ANSWER_MAX_FILE_BYTES = 10 * 1024 * 1024
# what a customer may upload: documents and pictures, by extension and content type
ANSWER_FILE_TYPES = {
    ".pdf": "application/pdf",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".txt": "text/plain",
    ".csv": "text/csv",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".odt": "application/vnd.oasis.opendocument.text",
}
# the first bytes of the binary types above (text types have none)
_FILE_MAGIC = {
    ".pdf": (b"%PDF",),
    ".png": (b"\x89PNG\r\n\x1a\n",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".docx": (b"PK\x03\x04",),
    ".xlsx": (b"PK\x03\x04",),
    ".odt": (b"PK\x03\x04",),
}
ANSWER_PHONE_MAX = 32
ANSWER_TEXT_MAX = 2000

ERR_DATE_MISSING = "date_missing"
ERR_DATE_PAST = "date_past"
ERR_DATE_TOO_FAR = "date_too_far"
ERR_DATE_FUTURE = "date_future"
ERR_AMOUNT_INVALID = "amount_invalid"
ERR_AMOUNT_ZERO = "amount_zero"
ERR_AMOUNT_ABOVE_DUE = "amount_above_due"
ERR_REASON_MISSING = "reason_missing"
ERR_PHONE_INVALID = "phone_invalid"
ERR_TEXT_TOO_LONG = "text_too_long"
ERR_FILE_TOO_BIG = "file_too_big"
ERR_FILE_TYPE = "file_type"
ERR_PROMISE_CLOSED = "promise_closed"
ERR_PROMISE_WIDER = "promise_wider"

_PHONE_RE = re.compile(r"\+?[\d\s().\-/]+")


def answer_token_valid(sent_on: date, today: date, open_invoices: int) -> bool:
    """Whether a reminder's page still answers its token.

    It expires once every invoice of the reminder is paid, or
    ``ANSWER_TOKEN_DAYS`` days after the reminder (that day still answers).

    >>> answer_token_valid(date(2026, 2, 2), date(2026, 5, 3), 1)
    True
    >>> answer_token_valid(date(2026, 2, 2), date(2026, 5, 4), 1)
    False
    >>> answer_token_valid(date(2026, 2, 2), date(2026, 2, 2), 0)
    False
    """
    return open_invoices > 0 and today <= sent_on + timedelta(days=ANSWER_TOKEN_DAYS)


def answer_rate_limited(times: Iterable[datetime], now: datetime) -> bool:
    """Whether a token has had its ``ANSWER_RATE_LIMIT`` answers within the window.

    :param times: when the token's earlier answers (accepted or refused) came

    >>> now = datetime(2026, 2, 2, 10, 0)
    >>> answer_rate_limited([now - timedelta(minutes=m) for m in range(9)], now)
    False
    >>> answer_rate_limited([now - timedelta(minutes=m) for m in range(10)], now)
    True
    >>> answer_rate_limited([now - timedelta(hours=1)] * 10, now)
    False
    """
    start = now - ANSWER_RATE_WINDOW
    return sum(1 for moment in times if moment > start) >= ANSWER_RATE_LIMIT


def parse_amount(text: str | None) -> Decimal | None:
    """An amount typed by a customer, with a dot or a comma for decimals; ``None`` if not one.

    Spaces are dropped. With both separators, the last one marks the decimals;
    with one only, it does when it comes once with one or two digits after it
    (else it separates thousands).

    >>> parse_amount("1 234,50"), parse_amount("1,234.50"), parse_amount("80.5")
    (Decimal('1234.50'), Decimal('1234.50'), Decimal('80.5'))
    >>> parse_amount("1.234"), parse_amount("1,234,567")
    (Decimal('1234'), Decimal('1234567'))
    >>> parse_amount("abc"), parse_amount(""), parse_amount("1e3"), parse_amount("-5")
    (None, None, None, None)
    """
    text = re.sub(r"[\s\u00a0\u202f']", "", text or "")
    if not re.fullmatch(r"\d[\d.,]*", text) or len(text) > 20:
        return None
    last = max(text.rfind("."), text.rfind(","))
    separator = text[last] if last >= 0 else ""
    both = "." in text and "," in text
    single = text.count(separator) == 1 and len(text) - last - 1 in (1, 2)
    if separator and (both or single):
        whole, decimals = text[:last], text[last + 1 :]
    else:
        whole, decimals = text, ""
    # the pattern leaves digits only once the separators are gone
    whole = whole.replace(".", "").replace(",", "")
    return Decimal(f"{whole}.{decimals}" if decimals else whole)


def promise_error(
    today: date,
    promised_on: date | None,
    amount: Decimal | None,
    due: Decimal | float,
    max_days: int,
) -> str | None:
    """Why a customer's promise to pay is refused, or ``None``.

    The date is today at the earliest and ``max_days`` days ahead at the
    latest; the amount is more than zero and at most what is ``due``.

    >>> promise_error(date(2026, 2, 2), date(2026, 3, 4), Decimal(100), 100, 30) is None
    True
    >>> promise_error(date(2026, 2, 2), date(2026, 3, 5), Decimal(100), 100, 30)
    'date_too_far'
    >>> promise_error(date(2026, 2, 2), date(2026, 2, 1), Decimal(100), 100, 30)
    'date_past'
    >>> promise_error(date(2026, 2, 2), date(2026, 2, 2), Decimal("100.01"), 100, 30)
    'amount_above_due'
    """
    if promised_on is None:
        return ERR_DATE_MISSING
    if promised_on < today:
        return ERR_DATE_PAST
    if promised_on > today + timedelta(days=max(max_days, 0)):
        return ERR_DATE_TOO_FAR
    if amount is None:
        return ERR_AMOUNT_INVALID
    if amount <= 0:
        return ERR_AMOUNT_ZERO
    if amount > _decimal(due) + Decimal(str(_TOLERANCE)):
        return ERR_AMOUNT_ABOVE_DUE
    return None


def paid_error(today: date, paid_on: date | None) -> str | None:
    """Why a customer's "already paid" is refused: no date, or a date to come.

    >>> paid_error(date(2026, 2, 2), date(2026, 2, 2)), paid_error(date(2026, 2, 2), None)
    (None, 'date_missing')
    >>> paid_error(date(2026, 2, 2), date(2026, 2, 3))
    'date_future'
    """
    if paid_on is None:
        return ERR_DATE_MISSING
    if paid_on > today:
        return ERR_DATE_FUTURE
    return None


def dispute_error(reason: str | None, reasons: Iterable[str], comment: str | None) -> str | None:
    """Why a dispute is refused: a reason not of the list, or too long a comment.

    >>> dispute_error("price", ["price", "other"], ""), dispute_error("", ["price"], "")
    (None, 'reason_missing')
    >>> dispute_error("price", ["price"], "x" * 2001)
    'text_too_long'
    """
    if not reason or reason not in reasons:
        return ERR_REASON_MISSING
    if len(comment or "") > ANSWER_TEXT_MAX:
        return ERR_TEXT_TOO_LONG
    return None


def call_error(phone: str | None, preferred: str | None) -> str | None:
    """Why a call request is refused: no phone number of 6 digits or more, or too long.

    >>> call_error("+33 1 23 45 67 89", "mornings"), call_error("call me", "")
    (None, 'phone_invalid')
    >>> call_error("12345", ""), call_error("123456", "x" * 2001)
    ('phone_invalid', 'text_too_long')
    """
    phone = (phone or "").strip()
    if (
        len(phone) > ANSWER_PHONE_MAX
        or not _PHONE_RE.fullmatch(phone)
        or sum(char.isdigit() for char in phone) < 6
    ):
        return ERR_PHONE_INVALID
    if len(preferred or "") > ANSWER_TEXT_MAX:
        return ERR_TEXT_TOO_LONG
    return None


def file_error(filename: str | None, size: int, head: bytes = b"") -> str | None:
    """Why an uploaded file is refused: over ``ANSWER_MAX_FILE_BYTES``, or not of a listed type.

    The type is the extension's, and binary types must start as such files do.

    >>> file_error("proof.PDF", 2048, b"%PDF-1.7"), file_error("x.pdf", 10 * 1024 * 1024 + 1)
    (None, 'file_too_big')
    >>> file_error("run.exe", 10, b"MZ"), file_error("fake.pdf", 10, b"MZ")
    ('file_type', 'file_type')
    """
    if size > ANSWER_MAX_FILE_BYTES:
        return ERR_FILE_TOO_BIG
    name = (filename or "").lower()
    extension = name[name.rfind(".") :] if "." in name else ""
    if extension not in ANSWER_FILE_TYPES:
        return ERR_FILE_TYPE
    magic = _FILE_MAGIC.get(extension)
    if magic and not any(head.startswith(start) for start in magic):
        return ERR_FILE_TYPE
    return None


def promise_replacement(
    promised_moves: Iterable[int], others: Iterable[tuple[str, Iterable[int]]]
) -> str | None:
    """Whether a customer's new promise may replace the promises already on its invoices.

    :param promised_moves: the invoices of the new promise
    :param others: ``(state, invoices)`` of the promises already covering any of them

    A promise is replaced only while it is open and when it covers none but
    the new promise's invoices; else the reason (a kept or broken promise,
    a promise that covers other invoices too).

    >>> promise_replacement([1, 2], [("open", [1])]) is None
    True
    >>> promise_replacement([1], [("broken", [1])]), promise_replacement([1], [("open", [1, 3])])
    ('promise_closed', 'promise_wider')
    """
    promised = set(promised_moves)
    others = [(state, set(moves)) for state, moves in others]
    if any(state != "open" for state, moves in others if moves & promised):
        return ERR_PROMISE_CLOSED
    if any(moves - promised for state, moves in others if moves & promised):
        return ERR_PROMISE_WIDER
    return None
