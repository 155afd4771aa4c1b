"""What Xero voids or deletes reaches Odoo (issue 22): the status pull, the money pull and the INVOICE /
CREDITNOTE events record it (``_xero_record_gone``); once the money of the same run is in, ``_xero_follow_gone``
cancels the Odoo invoice or credit note (reverses it where its period is locked), releases its time to be
invoiced again (or keeps it, per company: ``res.company.xero_void_time``) and tells the accountant with one
activity. A document with money on it here (paid, part-paid, credited) is never cancelled this way: the
difference is shown (``account.move.xero_ledger_difference``, an activity) and followed again every run, until
it resolves. Each document is followed once.
"""

import logging

import psycopg2

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import format_datetime

from ..ownership import owned_writes
from .account_move import GONE_STATUSES

_logger = logging.getLogger(__name__)

ACTIVITY = "xero_timesync.mail_activity_type_xero_voided"


class XeroInvoiceVoid(models.AbstractModel):
    _name = "xero.invoice.void"
    _description = "Invoices and credit notes voided or deleted in Xero"

    # -- seen at Xero ------------------------------------------------------------------------------
    @api.model
    def _xero_record_gone(self, moves, seen):
        """``seen``: ``{Xero id: XeroInvoice or XeroCreditNote}`` just read. The posted documents among ``moves``
        that Xero now shows voided or deleted get that status and when it happened; returns them."""
        gone = moves.filtered(
            lambda m: m.state == "posted"
            and not m.xero_gone_at
            and m.xero_invoice_id in seen
            and seen[m.xero_invoice_id].status in GONE_STATUSES
        )
        with owned_writes():
            for move in gone:
                xero = seen[move.xero_invoice_id]
                when = xero.updated.replace(tzinfo=None) if xero.updated else fields.Datetime.now()
                move.write({"xero_status": xero.status, "xero_gone_at": when})
        return gone

    @api.model
    def _xero_record_gone_notes(self, company, notes):
        """Credit notes from GET /CreditNotes (the hourly pull, CREDITNOTE events): ours voided or deleted there."""
        seen = {note.credit_note_id: note for note in notes if note.status in GONE_STATUSES}
        if not seen:
            return self.env["account.move"]
        refunds = self.env["account.move"].search(
            [("company_id", "=", company.id), ("move_type", "=", "out_refund"), ("xero_invoice_id", "in", list(seen))]
        )
        return self._xero_record_gone(refunds, seen)

    # -- followed in Odoo ----------------------------------------------------------------------------
    @api.model
    def _xero_gone_domain(self, connection):
        """The organisation's documents Xero voided or deleted that are not followed yet or still differ."""
        return [
            ("company_id", "=", connection.company_id.id),
            ("xero_tenant_id", "=", connection.tenant_id),
            ("move_type", "in", ("out_invoice", "out_refund")),
            ("state", "=", "posted"),
            ("xero_gone_at", "!=", False),
            "|",
            ("xero_gone_followed", "=", False),
            ("xero_ledger_difference", "!=", False),
        ]

    @api.model
    def _xero_follow_gone(self, connection):
        """The organisation's documents Xero voided or deleted, not followed yet or still different: cancelled or
        reversed here, their time released or kept, the accountant told. Documents another worker holds are left
        for the next run."""
        moves = self.env["account.move"].search(self._xero_gone_domain(connection))
        if not moves:
            return 0
        try:
            with self.env.cr.savepoint():
                moves = moves.try_lock_for_update(allow_referencing=True)
        except psycopg2.errors.SerializationFailure:  # changed by a worker that committed after our snapshot
            return 0
        with owned_writes():
            for move in moves:
                self._xero_follow(move)
        return len(moves)

    @api.model
    def _xero_follow(self, move):
        if self._xero_has_money(move):
            self._xero_show_difference(move, "void_paid", self._xero_money_note(move))
            return
        timesheets = self.env["account.analytic.line"].sudo().search([("xero_billed_move_id", "=", move.id)])
        links = {line: line.xero_billed_move_line_id for line in timesheets}
        try:
            with self.env.cr.savepoint():
                reversal = self._xero_undo(move)
        except UserError as error:
            self._xero_show_difference(move, "void_refused", self._xero_refused_note(move, error))
            return
        released = self._xero_settle_time(move, links)
        move.write({"xero_gone_followed": True, "xero_ledger_difference": False})
        self._xero_tell(move, self._xero_followed_note(move, reversal, released))
        _logger.info(
            "Document %s %s at Xero: %s here", move.id, move.xero_status, "reversed" if reversal else "cancelled"
        )

    @api.model
    def _xero_has_money(self, move):
        """Money Odoo holds on it that Xero's void did not take back: payments, or credit notes on an invoice; on
        a credit note anything but the invoice it credits."""
        if move.move_type == "out_invoice":
            return move.payment_state not in ("not_paid", "blocked")
        lines = move.line_ids.filtered(lambda line: line.account_id.account_type == "asset_receivable")
        partials = lines.matched_debit_ids | lines.matched_credit_ids
        return bool((partials.debit_move_id | partials.credit_move_id).move_id - move - move.reversed_entry_id)

    @api.model
    def _xero_undo(self, move):
        """Odoo's own ways: Cancel, or a reversal dated today where the period is locked. Returns the reversal."""
        lock = move.company_id._get_user_fiscal_lock_date(move.journal_id)
        if not (move.inalterable_hash or move.date <= lock):
            move.button_cancel()
            return move.browse()
        # the reversal's accounting date is Odoo's: the first one after the lock
        return move._reverse_moves(
            [{"invoice_date": fields.Date.context_today(self), "ref": _("Voided in Xero: %s", move.name)}],
            cancel=True,
        )

    @api.model
    def _xero_settle_time(self, move, links):
        """Release the invoice's time (the company's choice), or keep it on the cancelled invoice. Returns whether
        it was released."""
        if not links:
            return False
        timesheets = self.env["account.analytic.line"].sudo().browse([line.id for line in links])
        if move.company_id.xero_void_time == "release":
            timesheets.write({"xero_billed_move_line_id": False})
            return True
        for invoice_line, group in timesheets.grouped(lambda line: links[line]).items():
            if group.xero_billed_move_line_id != invoice_line:  # Cancel released them: back onto their line
                group.write({"xero_billed_move_line_id": invoice_line.id})
        return False

    # -- telling the accountant ---------------------------------------------------------------------
    @api.model
    def _xero_show_difference(self, move, difference, note):
        """Shown once: a document already showing this difference is left as it is (no second activity)."""
        if move.xero_ledger_difference == difference:
            return
        move.write({"xero_gone_followed": True, "xero_ledger_difference": difference})
        self._xero_tell(move, note)
        _logger.info("Document %s %s at Xero, left as it is here: %s", move.id, move.xero_status, difference)

    @api.model
    def _xero_tell(self, move, note):
        move.activity_feedback([ACTIVITY], feedback=_("Superseded by what Xero did since."))
        move.activity_schedule(ACTIVITY, note=note, user_id=self._xero_accountant(move).id)

    @api.model
    def _xero_accountant(self, move):
        """The invoice's salesperson when an active internal user, else whoever connected the organisation."""
        for user in (move.invoice_user_id, self.env["xero.connection"]._xero_for_company(move.company_id).owner_id):
            if user.active and not user.share:
                return user
        return self.env.ref("base.user_admin")

    @api.model
    def _xero_what_happened(self, move):
        status = _("voided") if move.xero_status == "VOIDED" else _("deleted")
        when = format_datetime(self.env, move.xero_gone_at, tz="UTC", dt_format="medium")
        return _(
            "%(document)s (%(number)s) was %(status)s in Xero on %(when)s (UTC).",
            document=move.display_name,
            number=move.xero_invoice_number or move.xero_invoice_id,
            status=status,
            when=when,
        )

    @api.model
    def _xero_followed_note(self, move, reversal, released):
        parts = [self._xero_what_happened(move)]
        if reversal:
            parts.append(_("Its period is locked here, so Odoo reversed it with %s.", reversal.display_name))
        else:
            parts.append(_("Odoo cancelled it here."))
        if move.move_type == "out_invoice" and move.company_id.xero_void_time == "release":
            if released:
                parts.append(_("Its time is released: it can be invoiced again."))
        elif move.move_type == "out_invoice":
            parts.append(_("Its time stays invoiced on it (Settings → Xero → Voided in Xero)."))
        return " ".join(parts)

    @api.model
    def _xero_money_note(self, move):
        return " ".join(
            (
                self._xero_what_happened(move),
                _(
                    "It has payments or credit notes here, so Odoo leaves it as it is: check its payments here and in"
                    " Xero. Once no money is left on it here, Odoo cancels it."
                ),
            )
        )

    @api.model
    def _xero_refused_note(self, move, error):
        return " ".join(
            (
                self._xero_what_happened(move),
                _("Odoo could not cancel or reverse it here: %s", error),
            )
        )
