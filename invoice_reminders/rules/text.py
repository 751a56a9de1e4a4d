"""Text the add-on writes or reads: e-mail addresses, attachment file names,
strings made safe for a Word document (XML)."""

import re
from datetime import date

# ---------------------------------------------------------------------------
# E-mail addresses
# ---------------------------------------------------------------------------


_EMAIL_RE = re.compile(r"[^@\s,;<>]+@[^@\s,;<>.]+(?:\.[^@\s,;<>.]+)+")


def split_emails(text: str | None) -> list[str]:
    """Addresses of a comma-, semicolon- or blank-separated text, first of duplicates kept.

    >>> split_emails("a@x.be; B@x.be,\\n b@X.BE  c@x.be")
    ['a@x.be', 'B@x.be', 'c@x.be']
    """
    seen, result = set(), []
    for address in re.split(r"[,;\s]+", text or ""):
        if address and address.lower() not in seen:
            seen.add(address.lower())
            result.append(address)
    return result


def is_valid_email(address: str) -> bool:
    """A plain sanity check of one address: one @, a local part, a dotted domain, no blank.

    >>> is_valid_email("ann@example.com"), is_valid_email("ann@localhost")
    (True, False)
    """
    return bool(address) and _EMAIL_RE.fullmatch(address) is not None


# ---------------------------------------------------------------------------
# Attachment file names
# ---------------------------------------------------------------------------


DEFAULT_ATTACHMENT_NAME = "Statement {customer} {date}"
FILENAME_MAX_LENGTH = 120
_PLACEHOLDER_RE = re.compile(r"\{(\w+)\}")
_FILENAME_UNSAFE_RE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]')


def sanitize_filename(name: str | None, max_length: int = FILENAME_MAX_LENGTH) -> str:
    """A file name safe on every system: no path separator, control or reserved character.

    Blanks are collapsed, other unsafe characters become ``_``, leading and trailing
    dots and blanks are dropped, and the name is cut to ``max_length``.

    >>> sanitize_filename('Deco/Addict: "Q1"  2026?')
    'Deco_Addict_ _Q1_ 2026_'
    >>> sanitize_filename("  ..  ")
    'document'
    """
    cleaned = _FILENAME_UNSAFE_RE.sub("_", " ".join((name or "").split())).strip(" .")
    cleaned = cleaned[:max_length].rstrip(" .")
    return cleaned or "document"


def expand_filename(pattern: str | None, extension: str, **values: object) -> str:
    """The attachment file name of ``pattern`` with its ``{placeholders}`` filled in.

    Known placeholders are replaced by ``values`` (``customer``, ``date``…), unknown
    ones are kept as written; the result is sanitized and ``extension`` appended.
    An empty pattern falls back to :data:`DEFAULT_ATTACHMENT_NAME`.

    >>> expand_filename("Statement {customer} {date}", "pdf", customer="Deco Addict",
    ...                 date=date(2026, 2, 2))
    'Statement Deco Addict 2026-02-02.pdf'
    >>> expand_filename("{customer}/{oops}", ".docx", customer="A/B")
    'A_B_{oops}.docx'
    """

    def replace(match: re.Match) -> str:
        key = match.group(1)
        if key not in values:
            return match.group(0)
        value = values[key]
        if isinstance(value, date):
            return value.isoformat()
        return "" if value is None else str(value)

    name = _PLACEHOLDER_RE.sub(replace, (pattern or "").strip() or DEFAULT_ATTACHMENT_NAME)
    extension = extension.lstrip(".")
    base = sanitize_filename(name, FILENAME_MAX_LENGTH - len(extension) - 1)
    return f"{base}.{extension}" if extension else base


# ---------------------------------------------------------------------------
# XML
# ---------------------------------------------------------------------------


# Characters XML 1.0 refuses (C0 controls but tab, newline and carriage return):
# a vertical tab pasted from a spreadsheet into a customer's name, say.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_text(value):
    """``value`` with every string stripped of the characters XML cannot hold.

    Walks dictionaries, lists and tuples; leaves everything else as it is.
    A Word document is XML: such a character would make it impossible to build.

    >>> xml_text("Acme\\x0bLtd")
    'AcmeLtd'
    >>> xml_text({"name": "A\\x00B", "lines": ["x\\x1fy", ("\\tz",)], "n": 3})
    {'name': 'AB', 'lines': ['xy', ('\\tz',)], 'n': 3}
    """
    if isinstance(value, str):
        return _XML_INVALID.sub("", value)
    if isinstance(value, dict):
        return {key: xml_text(item) for key, item in value.items()}
    if isinstance(value, list):
        return [xml_text(item) for item in value]
    if isinstance(value, tuple):
        return tuple(xml_text(item) for item in value)
    return value
