from collections import defaultdict

from odoo import api, fields, models
from odoo.fields import Domain

from .. import const


class XeroTenantOwned(models.AbstractModel):
    """Data of a Xero organisation kept by its tenant id (not by a company): it belongs to the companies
    connected to that organisation, and the record rules (``security/xero_timesync_security.xml``) show
    it to them only, through ``company_ids``."""

    _name = "xero.tenant.owned"
    _description = "Data of a Xero organisation"

    _xero_tenant_field = "tenant_id"

    company_ids = fields.Many2many(
        "res.company",
        string="Companies",
        compute="_compute_company_ids",
        search="_search_company_ids",
        help="The companies connected to this Xero organisation.",
    )

    def _xero_record_tenants(self):
        """The tenant ids this record belongs to."""
        self.ensure_one()
        tenant = self[self._xero_tenant_field]
        return {tenant} if tenant else set()

    @api.model
    def _xero_tenants_domain(self, tenant_ids):
        """The records of any of ``tenant_ids``."""
        return Domain(self._xero_tenant_field, "in", list(tenant_ids))

    @api.model
    def _xero_tenant_companies(self, tenant_domain, company_domain):
        """``[(tenant id, company id)]``: each organisation and the companies it belongs to. Those are the
        companies connected to it, and for the current user the companies of their own connect wizards that
        Xero authorised it in (being connected: its contact groups are chosen before Save)."""
        # every company's connections to these organisations: the holders among them (one company per
        # organisation: an organisation a company has linked is that company's alone, not of a company that linked
        # it before, nor of a consent given for it elsewhere), the asked companies' ones are theirs
        everyone = self.env["xero.connection"].sudo().search_fetch(tenant_domain, ["tenant_id", "company_id", "state"])
        holders = {c.tenant_id: c.company_id.id for c in everyone if c.state in const.LINKED_STATES}
        connections = everyone.filtered_domain(company_domain)
        consents = (
            self.env["xero.connect.wizard.tenant"]
            .sudo()
            .search_fetch(
                Domain.AND(
                    [
                        tenant_domain,
                        Domain("wizard_id.create_uid", "=", self.env.uid),
                        Domain("wizard_id", "any", Domain(company_domain)),
                    ]
                ),
                ["tenant_id", "wizard_id"],
            )
        )
        pairs = [(c.tenant_id, c.company_id.id) for c in connections]
        pairs += [(line.tenant_id, line.wizard_id.company_id.id) for line in consents]
        return [(tenant, company) for tenant, company in pairs if holders.get(tenant, company) == company]

    @api.depends_context("uid")
    def _compute_company_ids(self):
        tenants = {tenant for record in self for tenant in record._xero_record_tenants()}
        companies = defaultdict(set)
        for tenant, company in self._xero_tenant_companies(Domain("tenant_id", "in", list(tenants)), Domain.TRUE):
            companies[tenant].add(company)
        for record in self:
            record.company_ids = list(set().union(*(companies[t] for t in record._xero_record_tenants())))

    def _search_company_ids(self, operator, value):
        if operator != "in":
            return NotImplemented
        company_ids = [company for company in value if isinstance(company, int)]
        pairs = self._xero_tenant_companies(Domain("tenant_id", "!=", False), Domain("company_id", "in", company_ids))
        tenants = {tenant for tenant, _company in pairs}
        return self._xero_tenants_domain(tenants) if tenants else Domain.FALSE
