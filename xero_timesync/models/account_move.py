"""Xero fields, guards and buttons of customer invoices; the push, the cancellation at Xero and the status
pull are ``xero.invoice.sync``'s (the money back ``xero.money``'s).

See README "Invoicing time and pushing to Xero" for the policies (who may push, edit after push,
account and tax mapping, cancellation).
"""

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

from ..const import BILLING_GROUPS
from ..ownership import CANCEL, REOPEN, integration_writes, owned_writes
from .account_analytic_line import rounded_hours

XERO_STATUSES = [
    ("DRAFT", "Draft"),
    ("SUBMITTED", "Awaiting approval"),
    ("AUTHORISED", "Awaiting payment"),
    ("PAID", "Paid"),
    ("VOIDED", "Voided"),
    ("DELETED", "Deleted"),
]
GONE_STATUSES = ("VOIDED", "DELETED")
LEDGER_DIFFERENCES = [
    ("void_paid", "Voided or deleted in Xero, paid or credited here"),
    ("void_refused", "Voided or deleted in Xero, Odoo could not cancel it"),
]
DEEP_LINK = "https://go.xero.com/organisationlogin/default.aspx?shortcode={short_code}&redirecturl={path}"
INVOICE_PATH = "/AccountsReceivable/View.aspx?InvoiceID={invoice_id}"


def _minutes(hours):
    return round((hours or 0.0) * 60)


class AccountMove(models.Model):
    _inherit = "account.move"

    # internal users' (the guards of any invoice read them); a portal customer sees Xero's own invoice instead
    xero_invoice_id = fields.Char(
        "Xero InvoiceID", copy=False, readonly=True, index="btree_not_null", groups="base.group_user"
    )
    xero_invoice_number = fields.Char("Xero number", copy=False, readonly=True, groups="base.group_user")
    xero_status = fields.Selection(
        XERO_STATUSES, "Xero status", copy=False, readonly=True, index="btree_not_null", groups="base.group_user"
    )
    xero_pushed_at = fields.Datetime("Pushed to Xero", copy=False, readonly=True, groups=BILLING_GROUPS)
    xero_push_error = fields.Text("Xero push error", copy=False, readonly=True, groups=BILLING_GROUPS)
    xero_push_nonce = fields.Char(
        copy=False, readonly=True, help="Nonce of the last push attempt with a known outcome.", groups=BILLING_GROUPS
    )
    xero_url = fields.Char("Xero link", compute="_compute_xero_url", groups=BILLING_GROUPS)
    # set by the "Invoice time" wizard
    xero_invoice_rounding = fields.Selection(
        [("0", "No rounding"), ("6", "6 minutes"), ("15", "15 minutes")],
        "Time rounding",
        copy=False,
        readonly=True,
        groups="base.group_user",
    )
    xero_revenue_account_code = fields.Char("Xero revenue account", copy=False, readonly=True, groups=BILLING_GROUPS)
    xero_expense_account_code = fields.Char(
        "Xero expense account",
        copy=False,
        readonly=True,
        help="Xero account of the costs re-billed on this invoice: lines added without a product are booked on the"
        " Odoo account mapped to it.",
        groups=BILLING_GROUPS,
    )
    # the client's own terms at Xero by default (the Invoice time wizard), changed by the accountant while draft
    xero_branding_theme_id = fields.Many2one(
        "xero.branding.theme",
        "Xero branding theme",
        copy=False,
        help="The Xero branding theme of the pushed invoice (its layout, payment advice and terms at Xero);"
        " empty: the organisation's default.",
        groups=BILLING_GROUPS,
    )
    xero_tracking_option_ids = fields.Many2many(
        "xero.tracking.option",
        string="Xero tracking",
        copy=False,
        help="Xero tracking options of every line pushed from this invoice (one per category, two at most),"
        " beside the one Settings → Xero → Tracking writes on lines of time.",
        groups=BILLING_GROUPS,
    )
    xero_timesheet_count = fields.Integer(
        "Invoiced timesheets", compute="_compute_xero_timesheet_count", groups=BILLING_GROUPS
    )
    xero_currency_warning = fields.Char(
        compute="_compute_xero_currency_warning",
        help="Set when the invoice's currency is not the one the Xero organisation keeps its books in.",
        groups=BILLING_GROUPS,
    )
    # -- the money comes back (issue 15; logic in xero.money; credit notes pushed: xero.invoice.sync) --
    xero_payment_error = fields.Char("Xero payments", copy=False, readonly=True, groups=BILLING_GROUPS)
    xero_allocated = fields.Boolean(
        "Allocated in Xero",
        copy=False,
        readonly=True,
        help="This credit note is allocated to its invoice in Xero.",
        groups="base.group_user",
    )
    xero_timesheets_attached = fields.Boolean(
        "Timesheets attached in Xero", copy=False, readonly=True, groups=BILLING_GROUPS
    )

    # -- both ledgers to the cent (issue 22): Xero's totals as Xero answered the push --
    xero_total = fields.Monetary("Total at Xero", copy=False, readonly=True, groups=BILLING_GROUPS)
    xero_total_tax = fields.Monetary("Tax at Xero", copy=False, readonly=True, groups=BILLING_GROUPS)

    # -- updated in place while Xero keeps it as a draft (issue 25, xero.invoice.update) --
    xero_update_pending = fields.Boolean(
        "Changed since the push",
        copy=False,
        readonly=True,
        help="Reset to draft here while Xero had it as a draft: Xero keeps the pushed version until Update in Xero.",
        groups=BILLING_GROUPS,
    )

    xero_credit_pushable = fields.Boolean(compute="_compute_xero_credit_pushable", groups=BILLING_GROUPS)
    # -- one organisation's documents stay with it; changes at Xero reach Odoo (issue 22, xero.invoice.void) --
    xero_tenant_id = fields.Char(
        "Xero organisation ID",
        copy=False,
        readonly=True,
        index="btree_not_null",
        help="The Xero organisation this document was pushed to (or came from).",
        groups=BILLING_GROUPS,
    )
    xero_gone_at = fields.Datetime(
        "Voided or deleted in Xero on",
        copy=False,
        readonly=True,
        index="btree_not_null",  # every event fetch looks for these few among all the organisation's documents
        help="When Xero voided or deleted this document (Xero's last change), as the integration saw it.",
        groups=BILLING_GROUPS,
    )
    xero_gone_followed = fields.Boolean(
        copy=False,
        readonly=True,
        help="Odoo followed Xero's void or delete: cancelled or reversed here, or the difference is shown.",
        groups=BILLING_GROUPS,
    )
    # the ledger line's inverse: a change of the move finds its ledger line in the cache (a new move has none),
    # not by a search of xero.ledger.line per change (its stored fields depend on the move's)
    xero_ledger_line_ids = fields.One2many("xero.ledger.line", "move_id", readonly=True, groups=BILLING_GROUPS)
    xero_ledger_difference = fields.Selection(
        LEDGER_DIFFERENCES,
        "Difference with Xero",
        copy=False,
        readonly=True,
        index="btree_not_null",
        help="Odoo and Xero disagree about this document and Odoo cannot resolve it by itself: see its activity.",
        groups=BILLING_GROUPS,
    )

    # one Odoo document per Xero invoice or credit note: what makes credit notes coming back exactly once
    _xero_invoice_id_uniq = models.UniqueIndex(
        "(company_id, xero_invoice_id) WHERE xero_invoice_id IS NOT NULL",
        "This Xero invoice or credit note is already in Odoo.",
    )

    @api.depends("xero_invoice_id", "company_id", "xero_tenant_id")
    def _compute_xero_url(self):
        for move in self:
            connection = move.company_id.xero_connection_id
            if not move.xero_invoice_id:
                move.xero_url = False
                continue
            path = INVOICE_PATH.format(invoice_id=move.xero_invoice_id)
            if connection and connection.short_code and move.xero_tenant_id in (False, connection.tenant_id):
                move.xero_url = DEEP_LINK.format(short_code=connection.short_code, path=path)
            else:
                move.xero_url = "https://go.xero.com" + path

    @api.depends("currency_id", "company_id", "move_type", "xero_invoice_id")
    def _compute_xero_currency_warning(self):
        for move in self:
            connection = move.company_id.xero_connection_id
            move.xero_currency_warning = (
                move._xero_currency_problem(connection)
                if move.move_type == "out_invoice" and not move.xero_invoice_id and connection
                else False
            )

    def _xero_currency_problem(self, connection):
        """Why this invoice's currency needs a confirmation before pushing, or False."""
        base = connection.sudo().base_currency
        if not base or not self.currency_id or self.currency_id.name == base:
            return False
        return _(
            "This invoice is in %(currency)s but the Xero organisation %(org)s keeps its books in %(base)s: Xero"
            " records it in %(currency)s and converts it at its own rate. Check the currency, or use Push to Xero"
            " anyway.",
            currency=self.currency_id.name,
            org=connection.sudo().tenant_name,
            base=base,
        )

    @api.depends("move_type", "state", "reversed_entry_id.xero_invoice_id", "xero_invoice_id", "xero_allocated")
    def _compute_xero_credit_pushable(self):
        for move in self:
            move.xero_credit_pushable = (
                move.move_type == "out_refund"
                and move.state == "posted"
                and bool(move.reversed_entry_id._xero_live())
                and not (move.xero_invoice_id and move.xero_allocated)
            )

    def _compute_xero_timesheet_count(self):
        counts = dict(
            self.env["account.analytic.line"]
            .sudo()
            ._read_group([("xero_billed_move_id", "in", self.ids)], ["xero_billed_move_id"], ["__count"])
        )
        for move in self:
            move.xero_timesheet_count = counts.get(move, 0)

    # -- guards ----------------------------------------------------------------------------------
    def _xero_check_pusher(self):
        user = self.env.user
        if not (user.has_group("account.group_account_invoice") or user.has_group("base.group_system")):
            raise AccessError(_("Only accountants and administrators can push invoices to Xero."))

    def _xero_check_billing(self):
        """Xero calls from invoices, and the time behind them, are for Billing users (the push and the hourly
        jobs run as superuser)."""
        if not (self.env.su or self.env.user.has_group("account.group_account_invoice")):
            raise AccessError(
                _("Only users with Invoicing rights can call Xero from invoices or see the time behind them.")
            )

    def _xero_live(self):
        """Invoices that exist in Xero (pushed, not voided or deleted there)."""
        return self.filtered(lambda m: m.xero_invoice_id and m.xero_status not in GONE_STATUSES)

    def _xero_check_reopen(self):
        """A document that lives at Xero keeps its amounts: only Cancel (which voids or deletes it at Xero in the
        same transaction) changes its state, marked CANCEL by its own code, never by the caller."""
        if integration_writes(self.env, CANCEL):
            return
        live = self._xero_live()
        if integration_writes(self.env, REOPEN):  # button_draft read each one's status at Xero just before
            live = live.filtered(lambda m: m.xero_status != "DRAFT")
        if live:
            raise UserError(
                _(
                    "%(invoice)s is in Xero as %(number)s: its amounts can no longer change here, except through Reset"
                    " to draft while Xero keeps it as a draft. To correct it, cancel it (Odoo then voids or deletes it"
                    " in Xero and releases its timesheets) and invoice again.",
                    invoice=live[0].display_name,
                    number=live[0].xero_invoice_number,
                )
            )

    def button_draft(self):
        """A pushed invoice goes back to draft only while Xero keeps it as a draft (read there first): it is then
        updated in place at Xero by Push to Xero (``xero.invoice.update``)."""
        live = self._xero_live()
        if not live or integration_writes(self.env, CANCEL):  # Odoo's cancel resets to draft first
            return super().button_draft()
        live._xero_check_pusher()  # it reads Xero, and only pushers update it there afterwards
        with owned_writes():  # the statuses Xero answered
            self.env["xero.invoice.update"]._xero_check_drafts_at_xero(live)
        with owned_writes(REOPEN):
            result = super().button_draft()
        with owned_writes():
            live.write({"xero_update_pending": True})
        return result

    @api.constrains("xero_branding_theme_id", "xero_tracking_option_ids")
    def _check_xero_terms(self):
        """The branding theme and tracking options are the organisation's the company is connected to; one option
        per category, two categories at most (Xero's limit on a line)."""
        for move in self.sudo():
            theme, options = move.xero_branding_theme_id, move.xero_tracking_option_ids
            if not (theme or options):
                continue
            if len(options.category_id) < len(options) or len(options.category_id) > 2:
                raise ValidationError(
                    _(
                        "%s: Xero takes one tracking option per category, and two categories at most, on a line.",
                        move.display_name,
                    )
                )
            tenant = self.env["xero.connection"].sudo()._xero_for_company(move.company_id).tenant_id
            if {theme.tenant_id, *options.category_id.mapped("tenant_id")} - {tenant, False}:
                raise ValidationError(
                    _(
                        "%(move)s: the Xero branding theme and tracking options are those of the organisation"
                        " %(company)s is connected to.",
                        move=move.display_name,
                        company=move.company_id.name,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("xero_invoice_id") and not vals.get("xero_tenant_id") and vals.get("company_id"):
                vals["xero_tenant_id"] = self._xero_tenant_of(self.env["res.company"].browse(vals["company_id"]))
        return super().create(vals_list)

    def write(self, vals):
        if "state" in vals and vals["state"] != "posted":  # posting a credit note brought back from Xero is fine
            self.filtered(lambda move: move.state == "posted")._xero_check_reopen()
        if vals.get("xero_invoice_id") and "xero_tenant_id" not in vals:
            # a push (or its lookup): the organisation it went to, and nothing left of a Xero document it replaces
            for company, moves in self.grouped("company_id").items():
                super(AccountMove, moves).write(dict(vals, **self._xero_pushed_vals(self._xero_tenant_of(company))))
            return True
        return super().write(vals)

    @api.model
    def _xero_pushed_vals(self, tenant_id):
        """What a document pushed to (or found at) the organisation ``tenant_id`` gets besides Xero's answer."""
        return {
            "xero_gone_at": False,
            "xero_gone_followed": False,
            "xero_ledger_difference": False,
            "xero_tenant_id": tenant_id,
        }

    @api.model
    def _xero_tenant_of(self, company):
        return self.env["xero.connection"]._xero_for_company(company).tenant_id or False

    def _xero_organisation_problem(self, connection):
        """Why Odoo cannot reach this document through ``connection`` (it is another organisation's), or False."""
        self.ensure_one()
        if not self.xero_tenant_id or self.xero_tenant_id == connection.tenant_id:
            return False
        return _(
            "%(document)s is in another Xero organisation (ID %(tenant)s) than the one %(company)s is connected to"
            " now (%(org)s): Odoo can no longer reach it there. Change it in that organisation's Xero; reconnect it"
            " to change it from here.",
            document=self.display_name,
            tenant=self.xero_tenant_id,
            company=self.company_id.name,
            org=connection.sudo().tenant_name,
        )

    @api.ondelete(at_uninstall=False)
    def _unlink_except_xero_live(self):
        """Not even with Odoo's ``force_delete``: the invoice would stay at Xero and its time be billed again."""
        live = self._xero_live()
        if live:
            raise UserError(
                _(
                    "%(invoice)s is in Xero as %(number)s and cannot be deleted: cancel it instead (Odoo then voids or"
                    " deletes it in Xero).",
                    invoice=live[0].display_name,
                    number=live[0].xero_invoice_number,
                )
            )

    def button_cancel(self):
        refunds = self._xero_live().filtered(lambda m: m.move_type == "out_refund")
        if refunds:
            raise UserError(
                _(
                    "%(refund)s is in Xero as credit note %(number)s: void it in Xero first.",
                    refund=refunds[0].display_name,
                    number=refunds[0].xero_invoice_number,
                )
            )
        live = self._xero_live()
        if live:
            live._xero_check_billing()  # cancelling voids or deletes it at Xero
        result = True
        if self - live:
            with owned_writes(CANCEL):
                result = super(AccountMove, self - live).button_cancel()
            (self - live)._xero_release_timesheets()
        if live:
            with owned_writes():
                refused = self.env["xero.invoice.sync"]._xero_cancel_each(live)
            return self._xero_cancel_outcome(live, refused) or result
        return result

    def _xero_cancel_here(self):
        """Odoo's half of Cancel for invoices that live at Xero (``xero.invoice.sync._xero_cancel_each`` calls
        Xero right after, in the same savepoint)."""
        with owned_writes(CANCEL):
            super().button_cancel()
        self._xero_release_timesheets()

    def _xero_cancel_outcome(self, live, refused):
        """None when every invoice was cancelled; otherwise the refused ones, named with Xero's reason: an error
        when nothing was cancelled, else a notification (the others are cancelled here and at Xero)."""
        if not refused:
            return None
        lines = "\n".join(f"{move.display_name}: {reason}" for move, reason in refused.items())
        if len(refused) == len(live) and not (self - live):
            raise UserError(_("Not cancelled:\n%s", lines))
        for move, reason in refused.items():
            move._message_log(body=_("Cancel: not cancelled, here or in Xero. %s", reason))
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": _("Cancel"),
                "message": _(
                    "%(done)s cancelled here and in Xero; %(count)s not cancelled (still posted here and in Xero):"
                    "\n%(lines)s",
                    done=len(self) - len(refused),
                    count=len(refused),
                    lines=lines,
                ),
                "type": "danger",
                "sticky": True,
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    def _xero_mapped_account(self, code):
        """The Odoo account of this invoice's company an adviser mapped to the Xero account ``code``, if any."""
        self.ensure_one()
        return (
            self.env["account.account"]
            .sudo()
            .search([("xero_account_code", "=", code), ("company_ids", "in", self.company_id.ids)], limit=1)
        )

    def _xero_release_timesheets(self):
        timesheets = self.env["account.analytic.line"].sudo().search([("xero_billed_move_id", "in", self.ids)])
        if timesheets:
            timesheets.write({"xero_billed_move_line_id": False})

    # -- push ------------------------------------------------------------------------------------
    def action_xero_push(self):
        """Push to Xero (form button and list action); returns a notification with each invoice's outcome."""
        self._xero_check_pusher()
        with owned_writes():  # what Xero answered (its InvoiceID, status, the push's outcome)
            return self.env["xero.invoice.sync"]._xero_push_and_notify(self)

    def action_xero_push_other_currency(self):
        """Push to Xero anyway: the accountant confirmed the invoice's currency differs from Xero's books."""
        return self.with_context(xero_push_other_currency=True).action_xero_push()

    def action_xero_open(self):
        self.ensure_one()
        if not self.xero_url:
            raise UserError(_("This invoice is not in Xero yet."))
        return {"type": "ir.actions.act_url", "url": self.xero_url, "target": "new"}

    def action_xero_view_online(self):
        """The customer's online invoice at Xero (Xero has none for drafts)."""
        self._xero_check_billing()  # every click calls Xero: its quota, and a 401 there wipes the grant
        url = self.env["xero.invoice.sync"]._xero_online_invoice_url(self)
        return {"type": "ir.actions.act_url", "url": url, "target": "new"}

    def _xero_timesheet_sections(self):
        """The invoiced time grouped as the invoice is, for the report's QWeb template and its plain PDF fallback:
        ``[{"name", "hours": the line's quantity, "rows": [{"date", "employee", "task", "description", "billed",
        "tracked": the logged hours when they differ from the billed ones, else None}]}]``."""
        self.ensure_one()
        self._xero_check_billing()
        digits = self.env["decimal.precision"].precision_get("Product Unit")
        sections = []
        for line in self.sudo().invoice_line_ids.sorted(lambda line: (line.sequence, line.id)):
            timesheets = line.xero_timesheet_ids.sorted(lambda t: (t.date, t.id))
            if not timesheets:
                continue
            rows = []
            for timesheet in timesheets:
                billed = rounded_hours(timesheet.unit_amount, self.xero_invoice_rounding, digits)
                rows.append(
                    {
                        "date": fields.Date.to_string(timesheet.date),
                        "employee": timesheet.employee_id.name or "",
                        "task": timesheet.task_id.display_name or "",
                        "description": timesheet.name or "",
                        "billed": billed,
                        "tracked": None
                        if _minutes(billed) == _minutes(timesheet.unit_amount)
                        else timesheet.unit_amount,
                    }
                )
            # the line's label: the descriptions under it are the rows'
            sections.append({"name": (line.name or "").split("\n")[0], "hours": line.quantity, "rows": rows})
        return sections

    def _xero_hmm(self, hours):
        """Hours as h:mm (1.53 → 1:32), as the timesheet report prints them."""
        minutes = _minutes(hours)
        return f"{minutes // 60}:{minutes % 60:02d}"

    def action_xero_open_timesheets(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("hr_timesheet.timesheet_action_all")
        action.update(domain=[("xero_billed_move_id", "=", self.id)], context={"create": False})
        return action

    def _xero_status_label(self, status):
        """Xero's status as its label in the user's language (the selection's translated label)."""
        return dict(self._fields["xero_status"]._description_selection(self.env)).get(status, status)
