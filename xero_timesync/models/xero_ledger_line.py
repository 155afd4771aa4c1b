"""One pushed document (invoice or credit note) side by side with what Xero said about it at the last compare.

A stored model rather than a SQL view: Xero's side (status, total, tax, amount due) is known only by reading
Xero, so it has to be stored somewhere; keeping it here, one row per document, leaves ``account.move`` alone,
gives the rows their organisation (``tenant_id``), their own access rules and company rule, and lets the
differences be stored computes that follow Odoo's side as it changes (a payment, a cancellation), so the
list sorts the differences first and the health panel counts them without reading Xero again.
"""

from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.tools.misc import format_amount

from .account_move import GONE_STATUSES, XERO_STATUSES

ODOO_STATES = [("draft", "Draft"), ("open", "Open"), ("paid", "Paid"), ("cancelled", "Cancelled")]
SETTLED_PAYMENT_STATES = ("paid", "in_payment", "reversed")
LIVE_XERO_STATUSES = ("DRAFT", "SUBMITTED", "AUTHORISED")
# the Odoo states each Xero status agrees with (an unpaid posted document is open whatever Xero's approval step)
AGREEING_STATES = dict.fromkeys(LIVE_XERO_STATUSES, ("open",)) | {
    "PAID": ("paid",),
    "VOIDED": ("cancelled", "draft"),
    "DELETED": ("cancelled", "draft"),
}
DIFFERENCE_KINDS = ("missing", "status", "total", "tax", "due")


class XeroLedgerLine(models.Model):
    _name = "xero.ledger.line"
    _description = "Document compared with Xero"
    _order = "difference_count desc, compared_at desc, id desc"
    _rec_name = "move_id"

    move_id = fields.Many2one("account.move", "Document", required=True, readonly=True, index=True, ondelete="cascade")
    company_id = fields.Many2one(related="move_id.company_id", store=True, index=True)
    tenant_id = fields.Char("Xero organisation ID", readonly=True, index=True)
    tenant_name = fields.Char("Organisation", readonly=True)
    partner_id = fields.Many2one(related="move_id.commercial_partner_id", string="Client")
    move_type = fields.Selection(related="move_id.move_type")
    xero_number = fields.Char(related="move_id.xero_invoice_number", string="Xero number")
    currency_id = fields.Many2one(related="move_id.currency_id")
    # Odoo's side, as it is now
    odoo_state = fields.Selection(ODOO_STATES, "Odoo status", compute="_compute_differences", store=True)
    odoo_total = fields.Monetary(related="move_id.amount_total", string="Odoo total")
    odoo_tax = fields.Monetary(related="move_id.amount_tax", string="Odoo tax")
    odoo_amount_due = fields.Monetary(related="move_id.amount_residual", string="Odoo amount due")
    # Xero's side, as Xero said at the last compare (``xero.ledger``: Compare with Xero, the hourly status pull)
    xero_seen_status = fields.Selection(XERO_STATUSES, "Status read at Xero", readonly=True)
    xero_status = fields.Selection(
        XERO_STATUSES,
        "Xero status",
        compute="_compute_differences",
        store=True,
        help="Xero's status at the last compare, or voided / deleted since by Odoo itself (final at Xero).",
    )
    xero_total = fields.Monetary("Xero total", readonly=True)
    xero_total_tax = fields.Monetary("Xero tax", readonly=True)
    xero_amount_due = fields.Monetary(
        "Xero amount due", readonly=True, help="AmountDue of an invoice, RemainingCredit of a credit note."
    )
    xero_currency = fields.Char("Xero currency", readonly=True)
    xero_missing = fields.Boolean("Not found at Xero", readonly=True)
    compared_at = fields.Datetime("Compared", readonly=True)
    # the differences, stored so that they sort first and are counted
    missing_differs = fields.Boolean("Missing at Xero", compute="_compute_differences", store=True)
    status_differs = fields.Boolean("Status differs", compute="_compute_differences", store=True)
    total_differs = fields.Boolean("Total differs", compute="_compute_differences", store=True)
    tax_differs = fields.Boolean("Tax differs", compute="_compute_differences", store=True)
    due_differs = fields.Boolean("Amount due differs", compute="_compute_differences", store=True)
    difference_count = fields.Integer("Differences", compute="_compute_differences", store=True)
    difference_key = fields.Char(compute="_compute_differences", store=True)
    difference_summary = fields.Char("What differs", compute="_compute_difference_summary")
    # one activity per difference: what the accountant was last told (activities are scheduled by xero.ledger)
    notified_key = fields.Char(readonly=True)
    needs_notice = fields.Boolean(compute="_compute_differences", store=True)

    _move_uniq = models.Constraint("unique (move_id)", "A document is compared with Xero on one line.")

    @api.depends(
        "xero_seen_status",
        "xero_missing",
        "xero_total",
        "xero_total_tax",
        "xero_amount_due",
        "xero_currency",
        "notified_key",
        "move_id.state",
        "move_id.payment_state",
        "move_id.amount_total",
        "move_id.amount_tax",
        "move_id.amount_residual",
        "move_id.currency_id",
        "move_id.xero_status",
    )
    def _compute_differences(self):
        for line in self:
            move = line.move_id
            line.odoo_state = line._xero_odoo_state()
            # Odoo's own void or delete at Xero is final there: no stale "live at Xero" until the next compare
            gone = move.xero_status if move.xero_status in GONE_STATUSES else False
            line.xero_status = gone or line.xero_seen_status
            found = line.xero_status and not line.xero_missing
            live = found and line.xero_status not in GONE_STATUSES and line.odoo_state in ("open", "paid")
            currency = move.currency_id

            def differs(xero, odoo, currency=currency, live=live):
                return bool(live) and currency.compare_amounts(xero, odoo) != 0

            line.missing_differs = line.xero_missing and not gone and line.odoo_state != "cancelled"
            line.status_differs = bool(found) and line.odoo_state not in AGREEING_STATES[line.xero_status]
            line.total_differs = differs(line.xero_total, move.amount_total) or bool(
                live and line.xero_currency and line.xero_currency != currency.name
            )
            line.tax_differs = differs(line.xero_total_tax, move.amount_tax)
            line.due_differs = differs(line.xero_amount_due, move.amount_residual)
            kinds = [kind for kind in DIFFERENCE_KINDS if line[f"{kind}_differs"]]
            line.difference_count = len(kinds)
            line.difference_key = ";".join(line._xero_difference_key(kind) for kind in kinds) or False
            line.needs_notice = (line.difference_key or "") != (line.notified_key or "")

    def _xero_odoo_state(self):
        move = self.move_id
        if move.state == "cancel":
            return "cancelled"
        if move.state != "posted":
            return "draft"
        return "paid" if move.payment_state in SETTLED_PAYMENT_STATES else "open"

    def _xero_sides(self, kind):
        """``(Xero's value, Odoo's value)`` of one kind of difference."""
        move = self.move_id
        return {
            "missing": (False, self.odoo_state),
            "status": (self.xero_status, self.odoo_state),
            "total": (self.xero_total, move.amount_total),
            "tax": (self.xero_total_tax, move.amount_tax),
            "due": (self.xero_amount_due, move.amount_residual),
        }[kind]

    def _xero_difference_key(self, kind):
        xero, odoo = self._xero_sides(kind)
        if isinstance(xero, float):
            xero, odoo = (self.currency_id.round(amount) for amount in (xero, odoo))
        return f"{kind}:{xero}/{odoo}"

    @api.depends("difference_key")
    @api.depends_context("lang")
    def _compute_difference_summary(self):
        for line in self:
            line.difference_summary = "; ".join(line._xero_difference_texts()) or False

    def _xero_difference_texts(self):
        """Each difference in the user's language."""
        self.ensure_one()
        xero_labels = dict(self._fields["xero_status"]._description_selection(self.env))
        odoo_labels = dict(self._fields["odoo_state"]._description_selection(self.env))
        texts = []
        for kind in DIFFERENCE_KINDS:
            if not self[f"{kind}_differs"]:
                continue
            xero, odoo = self._xero_sides(kind)
            if kind == "missing":
                texts.append(_("Not found at Xero, %s in Odoo", odoo_labels.get(odoo, odoo)))
                continue
            if kind == "status":
                xero, odoo = xero_labels.get(xero, xero), odoo_labels.get(odoo, odoo)
            else:
                xero = format_amount(self.env, xero, self.currency_id)
                odoo = format_amount(self.env, odoo, self.currency_id)
            label = {
                "status": _("Status"),
                "total": _("Total"),
                "tax": _("Tax"),
                "due": _("Amount due"),
            }[kind]
            if kind == "total" and self.xero_currency and self.xero_currency != self.currency_id.name:
                xero = f"{self.xero_total} {self.xero_currency}"
            texts.append(_("%(what)s: %(xero)s at Xero, %(odoo)s in Odoo", what=label, xero=xero, odoo=odoo))
        return texts

    def _xero_difference_note(self):
        """The activity's note: each difference, and when Xero was read."""
        self.ensure_one()
        items = Markup("").join(Markup("<li>%s</li>") % text for text in self._xero_difference_texts())
        return Markup("<p>%s</p><ul>%s</ul><p>%s</p>") % (
            _("Odoo and Xero (%s) disagree on this document:", self.tenant_name or self.tenant_id),
            items,
            _(
                "Read at Xero on %s. Correct the side that is wrong; the next compare closes this activity when"
                " both agree.",
                fields.Datetime.to_string(self.compared_at),
            ),
        )

    def action_xero_compare(self):
        """Compare with Xero: the current companies' pushed documents, read at Xero in pages."""
        return self.env["xero.ledger"]._xero_compare_and_notify()

    def action_open_move(self):
        self.ensure_one()
        return self.move_id.get_formview_action()
