"""Xero account mapping: which Odoo account each of the organisation's Xero accounts is (advisers only).

The mapping is ``account.account.xero_account_code``; invoicing users read it, they never write it (Invoice time
refuses a Xero revenue account no Odoo account is mapped to, with what to ask an adviser)."""

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

from ..services.errors import XeroError

ACCOUNT_TYPES = {
    "REVENUE": ("income", "income_other"),
    "EXPENSE": ("expense", "expense_direct_cost", "expense_other"),
}
ADVISER_GROUPS = ("account.group_account_manager", "base.group_system")


class XeroAccountMapping(models.TransientModel):
    _name = "xero.account.mapping"
    _description = "Map Xero accounts to Odoo accounts"

    company_id = fields.Many2one("res.company", required=True, readonly=True, default=lambda self: self.env.company)
    line_ids = fields.One2many("xero.account.mapping.line", "wizard_id", "Xero accounts")
    warning = fields.Char(readonly=True)

    @api.model
    def _check_adviser(self):
        if not any(self.env.user.has_group(group) for group in ADVISER_GROUPS):
            raise AccessError(
                _("Only advisers (Invoicing administrators) and Settings administrators map Xero accounts.")
            )

    @api.model
    def _xero_open(self, company):
        """Settings → Xero → Account mapping: the organisation's revenue and expense accounts, read live."""
        self._check_adviser()
        connection = self.env["xero.connection"]._xero_for_company(company)
        if not connection:
            raise UserError(_("%s is not connected to Xero (Settings → Xero).", company.name))
        wizard = self.create({"company_id": company.id})
        wizard._load_lines(connection)
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": wizard.id,
            "view_mode": "form",
            "target": "new",
            "name": _("Xero account mapping"),
        }

    def _xero_accounts(self, connection):
        """``([(class, code, name)], warning)``: Xero's accounts, else the ones chosen at Enable integration."""
        accounts, warning = [], False
        if connection.state == "connected":
            try:
                with self.env["xero.service"]._xero_calls(connection) as client:
                    accounts = [
                        (klass, a.code, a.name) for klass in ACCOUNT_TYPES for a in client.accounts(klass) if a.code
                    ]
            except (XeroError, UserError):
                warning = _("Xero's accounts could not be read: the list shows the ones chosen at Enable integration.")
        known = {code for _klass, code, _name in accounts}
        chosen = [
            ("REVENUE", connection.revenue_account_code, connection.revenue_account_name),
            ("EXPENSE", connection.expense_account_code, connection.expense_account_name),
        ]
        accounts += [(klass, code, name or code) for klass, code, name in chosen if code and code not in known]
        return accounts, warning

    def _load_lines(self, connection):
        self.ensure_one()
        accounts, warning = self._xero_accounts(connection)
        mapped = self._mapped_accounts([code for _klass, code, _name in accounts])
        chosen = {connection.revenue_account_code, connection.expense_account_code}
        # written by the code only: the lines are the organisation's accounts, their Odoo account the adviser's
        self.sudo().write(
            {
                "warning": warning,
                "line_ids": [
                    (
                        0,
                        0,
                        {
                            "account_class": klass,
                            "code": code,
                            "name": name,
                            "chosen": code in chosen,
                            "account_id": mapped.get(code, self.env["account.account"]).id,
                        },
                    )
                    for klass, code, name in accounts
                ],
            }
        )

    def _mapped_accounts(self, codes):
        accounts = (
            self.env["account.account"]
            .sudo()
            .search([("xero_account_code", "in", codes), ("company_ids", "in", self.company_id.ids)])
        )
        return {account.xero_account_code: account for account in accounts}

    def action_save(self):
        """Write the mapping: each chosen Odoo account gets its Xero code; an account no longer chosen loses it."""
        self.ensure_one()
        self._check_adviser()
        self.check_access("write")
        lines = self.sudo().line_ids
        chosen = {}
        for line in lines.filtered("account_id"):
            line._check_account(self.company_id)
            if line.account_id in chosen:
                raise ValidationError(
                    _(
                        "%(account)s is mapped to two Xero accounts (%(first)s and %(second)s): one Odoo account is one"
                        " Xero account.",
                        account=line.account_id.display_name,
                        first=chosen[line.account_id],
                        second=line.code,
                    )
                )
            chosen[line.account_id] = line.code
        previous = self._mapped_accounts(lines.mapped("code"))
        for account in set(previous.values()) - set(chosen):
            account.xero_account_code = False
        for account, code in chosen.items():
            if account.xero_account_code != code:
                account.xero_account_code = code
        return {"type": "ir.actions.act_window_close"}

    @api.model
    def _xero_map_defaults(self, connection):
        """Enable integration (an administrator's choice of the Xero revenue account): when no Odoo account is mapped
        to it yet, the company's default income account is, if that one is mapped to nothing else."""
        code = connection.revenue_account_code
        company = connection.company_id
        Account = self.env["account.account"].sudo()
        if not code or Account.search_count([("xero_account_code", "=", code), ("company_ids", "in", company.ids)]):
            return
        income = company.sudo().income_account_id
        if income and not income.xero_account_code:
            income.xero_account_code = code
