from odoo import api, fields, models


class XeroTrackingOption(models.Model):
    """An option of a Xero tracking category (read live; archived here when Xero no longer offers it)."""

    _name = "xero.tracking.option"
    _description = "Xero tracking option"
    _order = "category_id, name"

    category_id = fields.Many2one(
        "xero.tracking.category", "Tracking category", required=True, readonly=True, ondelete="cascade", index=True
    )
    company_ids = fields.Many2many(related="category_id.company_ids")
    xero_option_id = fields.Char("TrackingOptionID", required=True, readonly=True)
    name = fields.Char(required=True, readonly=True)
    active = fields.Boolean(default=True, readonly=True)

    _option_uniq = models.Constraint(
        "unique (category_id, xero_option_id)", "A Xero tracking option is listed once per category."
    )

    @api.model
    def _refresh(self, category, options):
        """Mirror ``options`` (``[(TrackingOptionID, Name)]``, the active ones) of ``category``."""
        existing = self.with_context(active_test=False).search([("category_id", "=", category.id)])
        by_id = {option.xero_option_id: option for option in existing}
        seen = set()
        for option_id, name in options:
            seen.add(option_id)
            option = by_id.get(option_id)
            if option is None:
                self.create({"category_id": category.id, "xero_option_id": option_id, "name": name})
            elif (option.name, option.active) != (name, True):
                option.write({"name": name, "active": True})
        existing.filtered(lambda o: o.xero_option_id not in seen and o.active).write({"active": False})
