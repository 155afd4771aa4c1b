from dateutil.relativedelta import relativedelta

from odoo import _, api, fields, models
from odoo.fields import Domain
from odoo.tools import SQL

APPROVAL = [("approved", "Approved"), ("partial", "Partly approved"), ("to_approve", "To approve")]


class XeroUninvoicedTime(models.Model):
    """Billable time not invoiced yet, by client and month (a view, as Odoo's reports): the hours in SQL, the
    amount of the rows shown computed by Invoice time itself (its rates, rounding and currency)."""

    _name = "xero.uninvoiced.time"
    _description = "Uninvoiced time"
    _auto = False
    _order = "period desc, partner_id"
    _rec_name = "partner_id"

    company_id = fields.Many2one("res.company", readonly=True)
    partner_id = fields.Many2one("res.partner", "Client", readonly=True)
    period = fields.Date("Month", readonly=True)
    hours = fields.Float(readonly=True, digits="Product Unit", aggregator="sum")
    approved_hours = fields.Float(readonly=True, digits="Product Unit", aggregator="sum")
    timesheet_count = fields.Integer("Timesheets", readonly=True, aggregator="sum")
    oldest_date = fields.Date("Oldest entry", readonly=True, aggregator="min")
    approval = fields.Selection(APPROVAL, readonly=True)
    amount = fields.Monetary("Amount", compute="_compute_amount")
    currency_id = fields.Many2one("res.currency", compute="_compute_amount")

    def init(self):
        Timesheet = self.env["account.analytic.line"]
        approved = SQL("l.validated") if "validated" in Timesheet._fields else SQL("l.xero_approval_state = 'approved'")
        sale = (
            SQL("AND l.timesheet_invoice_id IS NULL AND l.so_line IS NULL")
            if "timesheet_invoice_id" in Timesheet._fields
            else SQL()
        )
        self.env.cr.execute(
            SQL(
                """CREATE OR REPLACE VIEW %(table)s AS (
                    SELECT min(l.id) AS id,
                           l.company_id,
                           p.commercial_partner_id AS partner_id,
                           date_trunc('month', l.date)::date AS period,
                           sum(l.unit_amount) AS hours,
                           sum(CASE WHEN %(approved)s THEN l.unit_amount ELSE 0 END) AS approved_hours,
                           count(*) AS timesheet_count,
                           min(l.date) AS oldest_date,
                           CASE WHEN bool_and(%(approved)s) THEN 'approved'
                                WHEN bool_or(%(approved)s) THEN 'partial'
                                ELSE 'to_approve' END AS approval
                      FROM account_analytic_line l
                      JOIN res_partner p ON p.id = l.partner_id
                      JOIN res_partner cp ON cp.id = p.commercial_partner_id
                     WHERE l.project_id IS NOT NULL
                       AND cp.xero_billed_by = 'odoo'
                       AND l.unit_amount > 0
                       AND l.xero_billed_move_line_id IS NULL
                       AND l.xero_billable
                       %(sale)s
                  GROUP BY l.company_id, p.commercial_partner_id, date_trunc('month', l.date)
                )""",
                table=SQL.identifier(self._table),
                approved=approved,
                sale=sale,
            )
        )

    def _xero_timesheet_domain(self):
        """The row's timesheets (the view's conditions, for this client and month)."""
        self.ensure_one()
        domain = Domain([
            ("company_id", "=", self.company_id.id),
            ("partner_id", "child_of", self.partner_id.id),
            ("date", ">=", self.period),
            ("date", "<=", self._xero_period_end()),
            ("project_id", "!=", False),
            ("unit_amount", ">", 0),
            ("xero_billed_move_line_id", "=", False),
            ("xero_billable", "=", True),
        ])  # fmt: skip
        domain &= self.env["xero.projects"]._xero_not_billed_there_domain()  # one place bills
        if "timesheet_invoice_id" in self.env["account.analytic.line"]._fields:
            domain &= Domain("timesheet_invoice_id", "=", False) & Domain("so_line", "=", False)
        return domain

    def _xero_period_end(self):
        return self.period + relativedelta(months=1, days=-1)

    @api.depends("partner_id", "period")
    def _compute_amount(self):
        Timesheet = self.env["account.analytic.line"].sudo()
        for row in self:
            wizard = (
                self.env["xero.invoice.wizard"]
                .with_company(row.company_id)
                .new(
                    {
                        "company_id": row.company_id.id,
                        "partner_id": row.partner_id.id,
                        "date_from": row.period,
                        "date_to": row._xero_period_end(),
                    }
                )
            )
            groups = wizard._xero_groups(Timesheet.search(row._xero_timesheet_domain()))
            row.amount = sum(group["amount"] for group in groups)
            row.currency_id = wizard.currency_id

    def action_open_timesheets(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Uninvoiced time of %s", self.partner_id.display_name),
            "res_model": "account.analytic.line",
            "view_mode": "list,form",
            "domain": list(self._xero_timesheet_domain()),
        }

    def action_bill(self):
        """A billing run for this client and month."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Billing run"),
            "res_model": "xero.billing.run",
            "view_mode": "form",
            "views": [(False, "form")],
            "context": {
                "default_company_id": self.company_id.id,
                "default_partner_ids": [self.partner_id.id],
                "default_date_from": self.period,
                "default_date_to": self._xero_period_end(),
            },
        }
