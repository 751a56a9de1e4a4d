from odoo import models


class IrModuleModule(models.Model):
    _inherit = "ir.module.module"

    def _load_module_terms(self, modules, langs, overwrite=False, imported_module=False):
        res = super()._load_module_terms(
            modules, langs, overwrite=overwrite, imported_module=imported_module
        )
        if "invoice_reminders" in modules and "invoice.reminder.level" in self.env:
            self.env["invoice.reminder.level"]._translate_standard_copies(langs)
        return res
