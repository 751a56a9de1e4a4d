"""Reminders, statements and summaries in each shipped language.

Each language's own .po file is loaded as an administrator installing the
language would, a customer and the company speak it, and the weekly run goes
out through the loopback SMTP server with the statement attached as PDF and
Word.  What the customer and the owner receive must hold no English sentence
of the add-on's own text: every message of the template whose translation
differs is looked for, piece by piece, in the mails and documents.
"""

import html
import re
from contextlib import closing
from pathlib import Path

from freezegun import freeze_time

from odoo.tests import tagged
from odoo.tools.misc import formatLang

from .common import ReminderRunCommon
from .test_documents import docx_tables, pdf_text

MONDAY = "2026-02-02 09:00:00"
I18N = Path(__file__).resolve().parent.parent / "i18n"
LANGUAGES = {
    "de": ("de_DE", "Zahlungserinnerung"),
    "ru": ("ru_RU", "Первое напоминание"),
    "ro": ("ro_RO", "Prima notificare"),
    "el": ("el_GR", "Πρώτη υπενθύμιση"),
    "cs": ("cs_CZ", "1. upomínka"),
    "fr": ("fr_FR", "Première relance"),
}
# placeholders, markup and entities: what is left is the human text
_NOT_TEXT = re.compile(r"<[^>]*>|\{\{.*?\}\}|%\(\w+\)[sd]|%[sd]|\{\w+\}|&\w+;|\n")


def english_fragments(lang):
    """Pieces of the add-on's English text that its ``lang`` translation changes:
    runs of at least two words (single words such as "Total" are shared by
    languages and by names)."""
    fragments = set()
    text = (I18N / f"{lang}.po").read_text(encoding="utf-8")
    pairs = re.findall(r'\nmsgid ((?:".*"\n)+)msgstr ((?:".*"\n?)+)', text)
    for raw_id, raw_str in pairs:
        msgid = "".join(re.findall(r'"(.*)"', raw_id))
        msgstr = "".join(re.findall(r'"(.*)"', raw_str))
        if not msgid or msgid == msgstr:
            continue
        for piece in _NOT_TEXT.split(msgid.replace('\\"', '"').replace("\\n", "\n")):
            piece = " ".join(piece.split()).strip(" .,:;()—-")
            if len(piece.split()) >= 2 and len(piece) >= 10 and piece not in msgstr:
                fragments.add(piece)
    return fragments


def spaces(text):
    """Every kind of space as a plain one (thousands separators differ in kind)."""
    return re.sub(r"[\s\u00a0\u202f]", " ", text)


def plain(markup):
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", markup)).split())


@tagged("post_install", "-at_install")
class TestLanguages(ReminderRunCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.usd = cls.company.currency_id
        cls.eur = cls.env.ref("base.EUR")
        cls.eur.active = True
        cls.policy.level_ids.write(
            {"attach_statement_pdf": True, "attach_statement_docx": True, "include_links": True}
        )
        cls.env["ir.config_parameter"].sudo().set_param("invoice_reminders.wkhtmltopdf_path", False)

    def received(self, lang):
        """Run one week for a customer speaking ``lang``; what the customer and owner got."""
        code, _first = LANGUAGES[lang]
        self.env["res.lang"]._activate_lang(code)
        self.env["ir.module.module"]._load_module_terms(["invoice_reminders"], [code])
        customer = self.env["res.partner"].create(
            {"name": "Kunde", "email": f"{lang}@customer.test", "lang": code, "is_company": True}
        )
        self.company.partner_id.lang = code
        no_email = self.env["res.partner"].create({"name": "Ohne", "lang": code})
        self.make_invoice(partner=customer, amount=1200, due_date="2026-01-20")
        self.make_invoice(partner=customer, amount=300, due_date="2026-01-22")
        self.make_invoice(partner=customer, amount=80, due_date="2026-01-22", currency=self.eur)
        self.make_invoice(partner=no_email, amount=50, due_date="2026-01-20")
        self.make_invoice(
            partner=customer, amount=40, move_type="out_refund", invoice_date="2026-01-25"
        )
        with freeze_time(MONDAY):
            self.run_job()
        # the owner's weekly report, the morning after
        with freeze_time("2026-02-03 09:00:00"):
            self.env["invoice.reminder.owner.report"]._cron_send_owner_reports()
            self.deliver()
        [mail] = self.smtp.to(f"{lang}@customer.test")
        [summary, weekly] = self.smtp.to("owner@company.test")
        message = mail["message"]
        files = {part.get_content_type(): part.get_content() for part in message.iter_attachments()}
        _document, tables = docx_tables(
            files["application/vnd.openxmlformats-officedocument.wordprocessingml.document"]
        )
        word = " ".join(
            [paragraph.text for paragraph in _document.paragraphs]
            + [cell for table in tables for row in table for cell in row]
        )
        return {
            "subject": str(message["Subject"]),
            "email": plain(self.html_of(message)),
            "statement PDF": pdf_text(files["application/pdf"]),
            "statement Word": " ".join(word.split()),
            "summary": str(summary["message"]["Subject"])
            + " "
            + plain(self.html_of(summary["message"])),
            "weekly report": str(weekly["message"]["Subject"])
            + " "
            + plain(self.html_of(weekly["message"])),
        }

    def test_each_language_reads_its_own(self):
        for lang, (_code, first_level) in LANGUAGES.items():
            # each language on a fresh copy of the data: the savepoint is rolled back
            with self.subTest(lang=lang), closing(self.env.cr.savepoint()):
                self.smtp.reset()
                texts = self.received(lang)
                fragments = english_fragments(lang)
                self.assertGreater(len(fragments), 100)
                for where, text in texts.items():
                    found = sorted(f for f in fragments if f in text)
                    self.assertFalse(found, f"{lang} {where} shows English: {found[:5]}")
                # the standard ladder's step name, and the customer's own words
                self.assertIn(first_level, texts["email"])
                self.assertIn(first_level, texts["statement PDF"])
                self.assertIn(first_level, texts["statement Word"])
                self.assertIn(first_level, texts["summary"])
                self.assertIn(first_level, texts["weekly report"])
                # amounts in the language's format (1.200,00 / 1 200,00 / 1200,00...)
                amount = formatLang(self.env(context={"lang": _code}), 1200.0)
                self.assertNotEqual(amount, "1,200.00")
                self.assertIn(spaces(amount), spaces(texts["email"]))
                self.assertIn(spaces(amount), spaces(texts["statement PDF"]))
            self.env.invalidate_all(flush=False)

    def test_english_fragments_are_found(self):
        """The check above can fail: an English email is caught."""
        customer = self.env["res.partner"].create(
            {"name": "English", "email": "en@customer.test", "is_company": True}
        )
        self.make_invoice(partner=customer, amount=100, due_date="2026-01-20")
        with freeze_time(MONDAY):
            self.run_job()
        text = plain(self.html_of(self.smtp.to("en@customer.test")[0]["message"]))
        found = [f for f in english_fragments("de") if f in text]
        self.assertGreater(len(found), 3, "English text is detected as English")
