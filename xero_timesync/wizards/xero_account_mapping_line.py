from odoo import _, fields, models
from odoo.exceptions import ValidationError

from .xero_account_mapping import ACCOUNT_TYPES


class XeroAccountMappingLine(models.TransientModel):
    _name = "xero.account.mapping.line"
    _inherit = "xero.account.choice"
    _description = "Xero account and the Odoo account mapped to it"

    wizard_id = fields.Many2one("xero.account.mapping", required=True, ondelete="cascade")
    company_id = fields.Many2one(related="wizard_id.company_id")
    chosen = fields.Boolean("Chosen at Enable integration", readonly=True)
    account_id = fields.Many2one(
        "account.account",
        "Odoo account",
        domain="[('company_ids', 'in', company_id), ('account_type', 'in', ['income', 'income_other']"
        " if account_class == 'REVENUE' else ['expense', 'expense_other', 'expense_direct_cost'])]",
    )

    def _check_account(self, company):
        account = self.account_id
        if (
            not account.active
            or company not in account.company_ids
            or account.account_type not in ACCOUNT_TYPES[self.account_class]
        ):
            raise ValidationError(
                _(
                    "%(account)s cannot be Xero's %(xero)s: choose an active %(kind)s account of %(company)s.",
                    account=account.display_name,
                    xero=self.display_name,
                    kind=_("income") if self.account_class == "REVENUE" else _("expense"),
                    company=company.name,
                )
            )
