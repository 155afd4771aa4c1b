from odoo import _, api, fields, models


class XeroConnectWizardTenant(models.TransientModel):
    _name = "xero.connect.wizard.tenant"
    _description = "Xero organisation authorised in the connect wizard"

    wizard_id = fields.Many2one("xero.connect.wizard", required=True, ondelete="cascade")
    name = fields.Char("Organisation", readonly=True)
    tenant_id = fields.Char(readonly=True)
    xero_connection_uuid = fields.Char(readonly=True)
    used_by_company_id = fields.Many2one(
        "res.company",
        "Linked to",
        compute="_compute_used_by_company_id",
        help="One organisation belongs to one company.",
    )

    @api.depends("tenant_id", "wizard_id.company_id")
    def _compute_used_by_company_id(self):
        Connection = self.env["xero.connection"]
        for line in self:
            holder = Connection._xero_organisation_holders([line.tenant_id], line.wizard_id.company_id)
            line.used_by_company_id = holder[line.tenant_id].company_id if holder else False

    @api.depends("name", "used_by_company_id")
    def _compute_display_name(self):
        for line in self:
            company = line.used_by_company_id.sudo()
            line.display_name = (
                _("%(organisation)s (linked to %(company)s)", organisation=line.name, company=company.name)
                if company
                else line.name
            )
