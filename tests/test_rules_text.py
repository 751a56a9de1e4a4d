"""rules.xml_text: what a Word document can hold."""

import pytest


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
