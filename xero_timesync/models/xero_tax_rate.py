import logging

from odoo import _, api, fields, models

from ..services.errors import XeroError

_logger = logging.getLogger(__name__)


class XeroTaxRate(models.Model):
    """The organisation's tax rates as Xero lists them (TaxRates), read live when the tax mapping opens."""

    _name = "xero.tax.rate"
    _description = "Xero tax rate"
    _order = "connection_id, can_apply_to_revenue desc, rate desc, name"
    _rec_names_search = ["name", "tax_type"]  # typing "OUTPUT" finds the rate as its name does

    connection_id = fields.Many2one("xero.connection", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="connection_id.company_id", store=True)
    tax_type = fields.Char("Xero tax type", required=True, readonly=True)
    name = fields.Char(required=True, readonly=True)
    rate = fields.Float("Rate (%)", digits=(16, 4), readonly=True)
    active = fields.Boolean(default=True, help="Archived: Xero no longer offers it (deleted or archived there).")
    can_apply_to_revenue = fields.Boolean("Sales", readonly=True)
    can_apply_to_expenses = fields.Boolean("Purchases", readonly=True)

    _connection_type_uniq = models.Constraint(
        "unique (connection_id, tax_type)", "A Xero tax type is listed once per connection."
    )

    @api.depends("name", "tax_type", "rate")
    def _compute_display_name(self):
        for rate in self:
            rate.display_name = _(
                "%(name)s · %(rate)s%% (%(type)s)", name=rate.name, rate=f"{rate.rate:g}", type=rate.tax_type
            )

    @api.model
    def _xero_refresh(self, connection):
        """Read the organisation's tax rates from Xero and store them; rates gone from Xero are archived.
        Returns False (and keeps what was stored) when Xero cannot be read."""
        connection = connection.sudo()
        try:
            with self.env["xero.service"]._xero_calls(connection) as client:
                rates = client.tax_rates()
        except XeroError as err:
            _logger.info("Xero tax rates of connection %s could not be read: %s", connection.id, err.code)
            return False
        Rate = self.sudo().with_context(active_test=False)
        stored = {r.tax_type: r for r in Rate.search([("connection_id", "=", connection.id)])}
        seen = set()
        for rate in rates:
            if not rate.tax_type:
                continue
            seen.add(rate.tax_type)
            values = {
                "name": rate.name,
                "rate": rate.rate,
                "active": rate.status == "ACTIVE",
                "can_apply_to_revenue": rate.can_apply_to_revenue,
                "can_apply_to_expenses": rate.can_apply_to_expenses,
            }
            if rate.tax_type in stored:
                stored[rate.tax_type].write(values)
            else:
                Rate.create({"connection_id": connection.id, "tax_type": rate.tax_type, **values})
        Rate.browse([r.id for t, r in stored.items() if t not in seen]).write({"active": False})
        return True

    @api.model
    def _xero_rates(self, connection):
        """``{tax_type: rate}`` of the connection, archived ones included; read from Xero the first time."""
        Rate = self.sudo().with_context(active_test=False)
        domain = [("connection_id", "=", connection.id)]
        rates = Rate.search(domain)  # one query: a push asks twice per invoice
        if not rates:
            self._xero_refresh(connection)
            rates = Rate.search(domain)
        return {r.tax_type: r for r in rates}

    @api.model
    def _xero_open_mapping(self, company):
        """Settings → Xero → Tax mapping: the company's sales taxes, with the organisation's rates read live."""
        connection = self.env["xero.connection"]._xero_for_company(company)
        connection.with_env(self.env)._check_xero_admin()  # the caller's rights on this company's connection
        if connection and connection.state != "unlinked" and not self._xero_refresh(connection):
            self.env.user._bus_send(
                "simple_notification",
                {
                    "type": "warning",
                    "message": _("Xero's tax rates could not be read; the list shows the last ones read."),
                },
            )
        action = self.env["ir.actions.act_window"]._for_xml_id("account.action_tax_form")
        action["domain"] = [("company_id", "=", company.id), ("type_tax_use", "=", "sale")]
        action["views"] = [(self.env.ref("xero_timesync.view_tax_list_xero").id, "list"), (False, "form")]
        return action
