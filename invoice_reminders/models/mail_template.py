import datetime

import babel.core
import babel.dates
from lxml import html
from markupsafe import Markup

from odoo import api, fields, models
from odoo.tools import safe_eval
from odoo.tools.misc import babel_locale_parse, get_lang, posix_to_ldml


class MailTemplate(models.Model):
    _inherit = "mail.template"

    @api.model
    def _render_template_qweb(self, template_src, model, res_ids, add_context=None, options=None):
        """Compile a QWeb body once for all the records it is rendered for.

        Odoo compiles an inline QWeb template again for each record; a reminder
        run renders the same template for thousands of customers, and compiling
        is then most of its time. With the context key
        ``invoice_reminders_compile_once`` (set by the reminder run only), the
        template is compiled once per batch and language; the result is the same.
        On any error, Odoo's own rendering runs and reports it as usual.
        """
        if (
            not self.env.context.get("invoice_reminders_compile_once")
            or not template_src
            or len(res_ids) < 2
            or not self._has_unsafe_expression_template_qweb(template_src, model)
        ):
            return super()._render_template_qweb(
                template_src, model, res_ids, add_context=add_context, options=options
            )
        variables = self._render_eval_context()
        variables.update(self._reminder_formatters(variables))
        if add_context:
            variables.update(**add_context)
        render_options = dict(options or {})
        if (
            not self._unrestricted_rendering
            and not self.env.is_admin()
            and not self.env.user.has_group("mail.group_mail_template_editor")
        ):
            render_options["raise_on_forbidden_code_for_model"] = model
        ir_qweb = self.env["ir.qweb"].with_context(**render_options)
        node = html.fragment_fromstring(template_src, create_parent="div")
        render = None
        results = {}
        try:
            for record in self.env[model].browse(res_ids):
                values = dict(variables, object=record)
                qweb = ir_qweb._prepare_environment(values)
                safe_eval.check_values(values)
                if render is None:
                    # (functions, name), and the options on Odoo 19.0
                    compiled = qweb._compile(node)
                    render = compiled[0][compiled[1]]
                # what Odoo 19.0's rendering gives a template (unused on 18.0)
                qweb = qweb.with_context(
                    __qweb_loaded_functions={},
                    __qweb_loaded_codes={},
                    __qweb_loaded_options={},
                    _qweb_error_path_xml=[None, None, None],
                )
                root = dict(values)
                values["__qweb_root_values"] = root["__qweb_root_values"] = root
                # drop the <div> wrapping the fragment, as Odoo does
                results[record.id] = Markup("".join(render(qweb, values)))[5:-6]
        except Exception:  # Odoo's own rendering raises the proper error
            return super()._render_template_qweb(
                template_src, model, res_ids, add_context=add_context, options=options
            )
        return results

    def _check_can_be_rendered(self, fnames=None, render_options=None):
        """Odoo 19.0 renders a template when it is saved, for one record of its
        model and with the values every template has (18.0 has no such check).
        The owner's weekly report has its figures too, ``report``: see
        ``_render_eval_context``."""
        return super(
            MailTemplate, self.with_context(invoice_reminders_sample_report=True)
        )._check_can_be_rendered(fnames=fnames, render_options=render_options)

    @api.model
    def _render_eval_context(self):
        render_context = super()._render_eval_context()
        if self.env.context.get("invoice_reminders_sample_report") and "report" not in (
            render_context
        ):
            # a template being checked: the current company's figures of this
            # week, as the owner's weekly report renders them
            Report = self.env["invoice.reminder.owner.report"]
            values = Report._report_values(self.env.company, fields.Date.context_today(self))
            values["decisions"].pop("answers", None)
            render_context["report"] = values
        return render_context

    @api.model
    def _reminder_formatters(self, variables):
        """``format_date`` and ``format_amount`` of the rendering context, the
        language and its formats resolved once per rendering (a batch in one
        language) instead of once per date or amount formatted.

        The same output as ``mail.render.mixin``'s: a date (not a datetime, nor
        a string) and an amount are formatted here as Odoo's ``format_date``
        and ``format_amount`` do, with the language they would look up; any
        other value goes to Odoo's own function.
        """
        env = self.env
        default_format_date = variables["format_date"]
        langs = {}

        def lang_of(lang_code):
            if lang_code not in langs:
                lang = get_lang(env, lang_code)
                locale = babel_locale_parse(lang.code)
                langs[lang_code] = (
                    locale,
                    posix_to_ldml(lang.date_format, locale=locale),
                    env["res.lang"].browse(lang.id),
                )
            return langs[lang_code]

        def format_date(date, date_format=False, lang_code=False):
            if type(date) is not datetime.date:
                return default_format_date(date, date_format, lang_code)
            try:
                locale, lang_format, _lang = lang_of(lang_code)
                date_format = date_format or lang_format
                return babel.dates.format_date(date, format=date_format, locale=locale)
            except babel.core.UnknownLocaleError:
                return date

        def format_amount(amount, currency, lang_code=False):
            # odoo.tools.misc.format_amount, the language looked up once
            lang = lang_of(lang_code)[2]
            formatted = (
                lang.format(f"%.{currency.decimal_places}f", currency.round(amount), grouping=True)
                .replace(r" ", "\N{NO-BREAK SPACE}")
                .replace(r"-", "-\N{ZERO WIDTH NO-BREAK SPACE}")
            )
            pre = post = ""
            if currency.position == "before":
                pre = "{symbol}\N{NO-BREAK SPACE}".format(symbol=currency.symbol or "")
            else:
                post = "\N{NO-BREAK SPACE}{symbol}".format(symbol=currency.symbol or "")
            return f"{pre}{formatted}{post}"

        return {"format_date": format_date, "format_amount": format_amount}
