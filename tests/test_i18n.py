"""The shipped translations are complete: every message of the template, no
empty or fuzzy entry, the same placeholders and markup as the English text.

Read with a small parser of the PO format (no Odoo, no extra library).
"""

import ast
import re
from collections import Counter
from pathlib import Path

import pytest

I18N = Path(__file__).resolve().parent.parent / "invoice_reminders" / "i18n"
SHIPPED = ("fr", "de", "ru", "ro", "el", "cs")

PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\{.*?\}\}|\{\w+\}")
TAG = re.compile(r"<(/?[a-zA-Z][\w-]*)")
QWEB_ATTR = re.compile(r"\s(t-[\w-]+)=")


def parse_po(path):
    """``[(msgid, msgstr, flags)]`` of a PO file, the header included (msgid "")."""
    entries, current, field = [], None, None

    def close():
        if current is not None:
            entries.append((current["msgid"], current["msgstr"], current["flags"]))

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#,"):
            close()
            current, field = None, None
            pending_flags = {flag.strip() for flag in line[2:].split(",")}
            current = {"msgid": "", "msgstr": "", "flags": pending_flags}
            continue
        if line.startswith("#"):
            continue
        if line.startswith("msgid "):
            if current is None or current["msgid"] or field == "msgstr":
                close()
                current = {"msgid": "", "msgstr": "", "flags": set()}
            field = "msgid"
            current["msgid"] = ast.literal_eval(line[6:])
        elif line.startswith("msgstr "):
            field = "msgstr"
            current["msgstr"] = ast.literal_eval(line[7:])
        elif line.startswith('"'):
            current[field] += ast.literal_eval(line)
        else:
            raise ValueError(f"{path.name}: cannot read {raw!r}")
    close()
    return entries


def markup(text):
    return (
        Counter(PLACEHOLDER.findall(text)),
        Counter(TAG.findall(text)),
        Counter(QWEB_ATTR.findall(text)),
    )


@pytest.fixture(scope="module")
def template_ids():
    ids = {msgid for msgid, _msgstr, _flags in parse_po(I18N / "invoice_reminders.pot")}
    ids.discard("")
    assert len(ids) > 400
    return ids


def test_every_language_of_the_readme_ships():
    shipped = {path.stem for path in I18N.glob("*.po")}
    assert set(SHIPPED) <= shipped


@pytest.mark.parametrize("lang", SHIPPED)
def test_translation_complete(lang, template_ids):
    entries = parse_po(I18N / f"{lang}.po")
    header = next(msgstr for msgid, msgstr, _flags in entries if msgid == "")
    assert f"Language: {lang}" in header
    assert "Plural-Forms: nplurals=" in header
    by_id = {msgid: (msgstr, flags) for msgid, msgstr, flags in entries if msgid}
    missing = sorted(template_ids - set(by_id))
    assert not missing, f"{lang}: {len(missing)} message(s) of the template missing: {missing[:3]}"
    empty = sorted(msgid for msgid in template_ids if not by_id[msgid][0].strip())
    assert not empty, f"{lang}: {len(empty)} empty translation(s): {empty[:3]}"
    fuzzy = sorted(msgid for msgid in template_ids if "fuzzy" in by_id[msgid][1])
    assert not fuzzy, f"{lang}: {len(fuzzy)} fuzzy translation(s): {fuzzy[:3]}"


@pytest.mark.parametrize("lang", SHIPPED)
def test_translation_keeps_placeholders_and_markup(lang, template_ids):
    wrong = [
        msgid
        for msgid, msgstr, _flags in parse_po(I18N / f"{lang}.po")
        if msgid in template_ids and msgstr and markup(msgid) != markup(msgstr)
    ]
    assert not wrong, f"{lang}: placeholders or markup differ in {wrong[:3]}"


def test_parser_reads_flags_and_continuations(tmp_path):
    po = tmp_path / "x.po"
    po.write_text(
        'msgid ""\nmsgstr "Language: xx\\n"\n\n#, fuzzy\nmsgid "A %(n)s"\nmsgstr ""\n"B "\n'
        '"%(n)s"\n\nmsgid "C"\nmsgstr ""\n',
        encoding="utf-8",
    )
    assert parse_po(po) == [
        ("", "Language: xx\n", set()),
        ("A %(n)s", "B %(n)s", {"fuzzy"}),
        ("C", "", set()),
    ]
