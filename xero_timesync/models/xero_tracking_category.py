from odoo import api, fields, models


class XeroTrackingCategory(models.Model):
    """A Xero tracking category of an organisation, offered in Settings → Xero → Tracking (read live).

    Mirrors what Xero offers: categories and options Xero no longer lists as active are archived here.
    """

    _name = "xero.tracking.category"
    _inherit = ["xero.tenant.owned"]
    _description = "Xero tracking category"
    _order = "name"

    tenant_id = fields.Char("Xero organisation ID", required=True, readonly=True, index=True)
    xero_category_id = fields.Char("TrackingCategoryID", required=True, readonly=True)
    name = fields.Char(required=True, readonly=True)
    active = fields.Boolean(default=True, readonly=True)
    option_ids = fields.One2many("xero.tracking.option", "category_id", "Options", readonly=True)

    _category_uniq = models.Constraint(
        "unique (tenant_id, xero_category_id)", "A Xero tracking category is listed once per organisation."
    )

    @api.model
    def _refresh(self, tenant_id, categories):
        """Mirror ``categories`` (``[XeroTrackingCategory]``, the active ones read live) of an organisation."""
        Option = self.env["xero.tracking.option"]
        existing = self.with_context(active_test=False).search([("tenant_id", "=", tenant_id)])
        by_id = {category.xero_category_id: category for category in existing}
        seen = self.browse()
        for live in categories:
            category = by_id.get(live.category_id)
            if category is None:
                category = self.create(
                    {"tenant_id": tenant_id, "xero_category_id": live.category_id, "name": live.name}
                )
            elif (category.name, category.active) != (live.name, True):
                category.write({"name": live.name, "active": True})
            seen |= category
            Option._refresh(category, live.options)
        gone = existing - seen
        gone.filtered("active").write({"active": False})
        gone.with_context(active_test=False).option_ids.filtered("active").write({"active": False})
        return seen
