from odoo import api, models
from odoo.tools.misc import format_amount


class ResCurrency(models.Model):
    _inherit = "res.currency"

    @api.model
    def _reminder_format_amounts(self, amounts):
        """``{currency name or record: amount}`` as one line, e.g. ``$ 60.00 · 200.00 €``.

        Sorted by currency name; one query for the currencies given by name.
        """
        by_name = {key: amount for key, amount in amounts.items() if isinstance(key, str)}
        records = {key: amount for key, amount in amounts.items() if not isinstance(key, str)}
        if by_name:
            for currency in self.with_context(active_test=False).search(
                [("name", "in", list(by_name))]
            ):
                records[currency] = by_name[currency.name]
        return " · ".join(
            format_amount(self.env, amount, currency)
            for currency, amount in sorted(records.items(), key=lambda item: item[0].name)
        )
