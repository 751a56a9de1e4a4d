from odoo import models


class IrModuleModule(models.Model):
    _inherit = "ir.module.module"

    def _load_module_terms(self, modules, langs, *args, **kwargs):
        # 18.0 has an argument more than 19.0 (imported_module): passed on as given
        res = super()._load_module_terms(modules, langs, *args, **kwargs)
        if "invoice_reminders" in modules and "invoice.reminder.level" in self.env:
            self.env["invoice.reminder.level"]._translate_standard_copies(langs)
        return res
