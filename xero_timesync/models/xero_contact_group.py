from odoo import api, fields, models


class XeroContactGroup(models.Model):
    """A Xero ContactGroup, offered when the admin limits which contacts become tasks (read live)."""

    _name = "xero.contact.group"
    _inherit = ["xero.tenant.owned"]
    _description = "Xero contact group"
    _order = "name"

    tenant_id = fields.Char("Xero organisation ID", required=True, readonly=True, index=True)
    xero_group_id = fields.Char("ContactGroupID", required=True, readonly=True)
    name = fields.Char(required=True, readonly=True)
    active = fields.Boolean(default=True, readonly=True)

    _group_uniq = models.Constraint(
        "unique (tenant_id, xero_group_id)", "A Xero contact group is listed once per organisation."
    )

    @api.model
    def _refresh(self, tenant_id, groups):
        """Mirror ``groups`` ([(ContactGroupID, Name)]) of an organisation; groups gone at Xero are archived."""
        existing = self.with_context(active_test=False).search([("tenant_id", "=", tenant_id)])
        by_id = {group.xero_group_id: group for group in existing}
        seen = set()
        for group_id, name in groups:
            seen.add(group_id)
            group = by_id.get(group_id)
            if group is None:
                self.create({"tenant_id": tenant_id, "xero_group_id": group_id, "name": name})
            elif (group.name, group.active) != (name, True):
                group.write({"name": name, "active": True})
        existing.filtered(lambda g: g.xero_group_id not in seen and g.active).write({"active": False})
        return self.search([("tenant_id", "=", tenant_id)])
