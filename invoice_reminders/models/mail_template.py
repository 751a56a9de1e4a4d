import ast
import datetime

import babel.core
import babel.dates
from lxml import html
from markupsafe import Markup

from odoo import api, models, tools
from odoo.tools import safe_eval
from odoo.tools.misc import babel_locale_parse, get_lang, posix_to_ldml

from odoo.addons.base.models.res_lang import intersperse


class MailTemplate(models.Model):
    _inherit = "mail.template"

    @api.model
    def _render_template_qweb(self, template_src, model, res_ids, add_context=None, options=None):
        """Compile a QWeb body once for all the records it is rendered for.

        Odoo compiles an inline QWeb template again for each record; a reminder
        run renders the same template for thousands of customers, and compiling
        is then most of its time. With the context key
        ``invoice_reminders_compile_once`` (set by the reminder run only), the
        template is compiled once per language and kept (``_reminder_compiled_qweb``);
        the result is the same.
        On any error, Odoo's own rendering runs and reports it as usual.
        """
        if (
            not self.env.context.get("invoice_reminders_compile_once")
            or not template_src
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
        render = None
        results = {}
        try:
            for record in self.env[model].browse(res_ids):
                values = dict(variables, object=record)
                qweb = ir_qweb._prepare_environment(values)
                safe_eval.check_values(values)
                if render is None:
                    render = self._reminder_compiled_qweb(qweb, template_src)
                # drop the <div> wrapping the fragment, as Odoo does
                results[record.id] = Markup("".join(render(qweb, values)))[5:-6]
        except Exception:  # Odoo's own rendering raises the proper error
            return super()._render_template_qweb(
                template_src, model, res_ids, add_context=add_context, options=options
            )
        return results

    @api.model
    def _reminder_compiled_qweb(self, qweb, template_src):
        """The rendering function of ``template_src`` compiled by ``qweb``.

        Compiled once and kept in the registry's template cache, as Odoo keeps
        its named templates, keyed by the source and the context keys the
        compilation reads (``ir.qweb._get_template_cache_keys``, the development
        mode, comments kept): a run compiles its template once per language,
        not once per batch. A restricted rendering (a user who may not edit
        templates) checks its expressions against the database when compiling:
        it is compiled each time, as Odoo does; so is every template in the
        ``--dev=xml`` mode.
        """
        context = qweb.env.context
        keys = [*qweb._get_template_cache_keys(), "dev_mode", "preserve_comments"]
        options = tuple((key, context[key]) for key in keys if key in context)
        try:
            hash(options)
        except TypeError:  # a context value the cache cannot key on
            options = None
        if (
            options is None
            or "raise_on_forbidden_code_for_model" in context
            # Odoo's own templates are compiled each time in this mode too
            or "xml" in tools.config["dev_mode"]
        ):
            return self._reminder_compile_qweb_now(qweb, template_src)
        return self._reminder_compile_qweb_cached(template_src, options)

    @api.model
    @tools.ormcache("template_src", "options", cache="templates")
    def _reminder_compile_qweb_cached(self, template_src, options):
        return self._reminder_compile_qweb_now(
            # the compile options only: what the cache is keyed on
            self.env(context=dict(options))["ir.qweb"],
            template_src,
        )

    @api.model
    def _reminder_compile_qweb_now(self, qweb, template_src):
        # (functions, name of the template's function[, options in Odoo 19])
        compiled = qweb._compile(html.fragment_fromstring(template_src, create_parent="div"))
        return compiled[0][compiled[1]]

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
        currencies = {}

        def lang_of(lang_code):
            if lang_code not in langs:
                lang = get_lang(env, lang_code)
                locale = babel_locale_parse(lang.code)
                # what res.lang.format reads for each number (grouping=True)
                data = env["res.lang"]._get_data(id=lang.id)
                langs[lang_code] = (
                    locale,
                    posix_to_ldml(lang.date_format, locale=locale),
                    ast.literal_eval(data.grouping),
                    data.thousands_sep or "",
                    data.decimal_point,
                )
            return langs[lang_code]

        def currency_of(currency):
            key = currency.id
            if key not in currencies:
                symbol = currency.symbol or ""
                currencies[key] = (
                    f"%.{currency.decimal_places}f",
                    f"{symbol}\N{NO-BREAK SPACE}" if currency.position == "before" else "",
                    "" if currency.position == "before" else f"\N{NO-BREAK SPACE}{symbol}",
                )
            return currencies[key]

        def format_date(date, date_format=False, lang_code=False):
            if type(date) is not datetime.date:
                return default_format_date(date, date_format, lang_code)
            try:
                locale, lang_format = lang_of(lang_code)[:2]
                date_format = date_format or lang_format
                return babel.dates.format_date(date, format=date_format, locale=locale)
            except babel.core.UnknownLocaleError:
                return date

        def format_amount(amount, currency, lang_code=False):
            # odoo.tools.misc.format_amount and res.lang.format, the language and
            # the currency looked up once
            grouping, thousands_sep, decimal_point = lang_of(lang_code)[2:]
            number_format, pre, post = currency_of(currency)
            parts = (number_format % currency.round(amount)).split(".")
            parts[0] = intersperse(parts[0], grouping, thousands_sep)[0]
            formatted = (
                decimal_point.join(parts)
                .replace(r" ", "\N{NO-BREAK SPACE}")
                .replace(r"-", "-\N{ZERO WIDTH NO-BREAK SPACE}")
            )
            return f"{pre}{formatted}{post}"

        return {"format_date": format_date, "format_amount": format_amount}
