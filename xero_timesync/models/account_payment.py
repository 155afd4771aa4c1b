from odoo import fields, models


class AccountPayment(models.Model):
    _inherit = "account.payment"

    xero_payment_id = fields.Char(
        "Xero PaymentID",
        copy=False,
        readonly=True,
        help="The payment recorded at Xero that this Odoo payment mirrors (registered once, cancelled when"
        " deleted at Xero).",
    )

    xero_invoice_move_id = fields.Many2one(
        "account.move", "Invoice paid at Xero", copy=False, readonly=True, index="btree_not_null"
    )

    # the database, not a Python check, guarantees one Odoo payment per Xero payment, whatever the workers
    _xero_payment_id_uniq = models.UniqueIndex(
        "(company_id, xero_payment_id) WHERE xero_payment_id IS NOT NULL",
        "This Xero payment is already registered in Odoo.",
    )
