from odoo import api, models

PRINT_DELAY_PARAM = "invoice_reminders.report_print_delay"
DEFAULT_PRINT_DELAY = "0"


class IrActionsReport(models.Model):
    _inherit = "ir.actions.report"

    @api.model
    def _build_wkhtmltopdf_args(
        self, paperformat_id, landscape, specific_paperformat_args=None, set_viewport_size=False
    ):
        """Invoices rendered for a reminder wait ``invoice_reminders.report_print_delay``.

        Odoo waits ``report.print_delay`` (1 s by default) after each page has
        loaded, for scripts a report might run late; an invoice PDF runs none,
        and a reminder run renders thousands of them. Any other print keeps
        Odoo's delay.
        """
        args = super()._build_wkhtmltopdf_args(
            paperformat_id,
            landscape,
            specific_paperformat_args=specific_paperformat_args,
            set_viewport_size=set_viewport_size,
        )
        if self.env.context.get("invoice_reminders_report") and "--javascript-delay" in args:
            delay = (
                self.env["ir.config_parameter"]
                .sudo()
                .get_param(PRINT_DELAY_PARAM, DEFAULT_PRINT_DELAY)
            )
            index = args.index("--javascript-delay")
            args[index + 1] = str(delay)
        return args
