from lxml import html
from markupsafe import Markup

from odoo import api, models
from odoo.tools import safe_eval


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
                    functions, def_name = qweb._compile(node)
                    render = functions[def_name]
                # drop the <div> wrapping the fragment, as Odoo does
                results[record.id] = Markup("".join(render(qweb, values)))[5:-6]
        except Exception:  # Odoo's own rendering raises the proper error
            return super()._render_template_qweb(
                template_src, model, res_ids, add_context=add_context, options=options
            )
        return results
