from markupsafe import Markup

from odoo import fields, models
from odoo.tools import html_sanitize

# context key of a SanitizedBodies: the bodies already sanitized for mail.message.body
SANITIZED_BODIES = "invoice_reminders_sanitized_bodies"


class SanitizedBodies:
    """Bodies sanitized here, once, with the options of an Html field.

    The only values that field keeps as they are (see ``SanitizeOnceHtml``):
    each is the output of ``html_sanitize`` with the field's own options, so
    sanitizing it again is work for nothing. Made in Python only: a context
    sent by a client (JSON) cannot hold one.
    """

    __slots__ = ("_bodies", "options")

    def __init__(self, field):
        self.options = field.sanitize_options()
        self._bodies = set()

    def sanitize(self, value):
        """``value`` sanitized exactly as the field would store it."""
        if not value:
            return value
        sanitized = html_sanitize(value, **dict(self.options))
        self._bodies.add(sanitized)
        return sanitized

    def holds(self, field, value):
        return (
            isinstance(value, str)
            and value in self._bodies
            and field.sanitize_options() == self.options
        )


class SanitizeOnceHtml(fields.Html):
    """``mail.message.body`` as Odoo defines it, sanitized once per mail.

    Odoo sanitizes an HTML value each time it converts it: for the column and
    for the cache when a message is created, and once more for the cache of
    the ``body`` of a ``mail.mail`` (inherited from its message). The reminder
    run sanitizes each body once itself, with the field's own options, in a
    ``SanitizedBodies`` it passes in the context (``SANITIZED_BODIES``); a value
    equal to one of those is what sanitizing it would give, and is kept.
    Anything else is sanitized as Odoo always does: without the context key,
    nothing changes.
    """

    def sanitize_options(self):
        """The options of ``Html._convert``, as a tuple of pairs."""
        return (
            ("silent", True),
            ("sanitize_tags", self.sanitize_tags),
            ("sanitize_attributes", self.sanitize_attributes),
            ("sanitize_style", self.sanitize_style),
            ("sanitize_form", self.sanitize_form),
            ("sanitize_conditional_comments", self.sanitize_conditional_comments),
            ("output_method", self.sanitize_output_method),
            ("strip_style", self.strip_style),
            ("strip_classes", self.strip_classes),
        )

    def _convert(self, value, record, validate):
        if validate and value and self.sanitize and not self.sanitize_overridable:
            sanitized = record.env.context.get(SANITIZED_BODIES)
            if isinstance(sanitized, SanitizedBodies) and sanitized.holds(self, value):
                return Markup(value)
        return super()._convert(value, record, validate)


class MailMessage(models.Model):
    _inherit = "mail.message"

    # the same field, with the options mail gives it: sanitized once per reminder
    body = SanitizeOnceHtml()
