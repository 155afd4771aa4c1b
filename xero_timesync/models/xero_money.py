"""The money comes back (issue 15): payments and credit notes made at Xero on pushed invoices, and the
targeted fetch behind invoice webhooks. What goes to Xero (credit notes pushed from Odoo, the timesheet
PDF) is ``xero.invoice.sync``'s.

Exactly once: every Odoo payment carries Xero's PaymentID under a unique index, every credit note its
CreditNoteID under a unique index, and invoices are locked (``SKIP LOCKED``) while their money is applied.
"""

import logging
from collections import defaultdict
from datetime import timedelta

import psycopg2

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from .. import const
from ..services.errors import XeroAuthError, XeroError

_logger = logging.getLogger(__name__)

LIVE_CREDIT_STATUSES = ("AUTHORISED", "PAID")


class XeroMoney(models.AbstractModel):
    _name = "xero.money"
    _description = "Xero payments, credit notes and invoice events"

    # -- entry points ------------------------------------------------------------------------------
    @api.model
    def _xero_pull(self, connection):
        """Hourly, after the invoice statuses: payments and credit notes changed since the last complete
        pull (one paged If-Modified-Since call each), then timesheet PDFs that failed to attach (not when
        Xero refused to show payments: a connection lacking that scope lacks the attachments one too)."""
        company = connection.company_id
        client = self.env["xero.service"]._xero_client(connection)
        started = fields.Datetime.now()
        since = company.xero_money_since
        if since:
            since -= timedelta(seconds=const.SYNC_OVERLAP_SECONDS)
        else:
            first = self.env["account.move"].search(
                [
                    ("company_id", "=", company.id),
                    ("xero_invoice_id", "!=", False),
                    ("xero_tenant_id", "=", connection.tenant_id),
                ],
                order="xero_pushed_at",
                limit=1,
            )
            if not first:
                return True
            since = first.xero_pushed_at - timedelta(seconds=const.SYNC_OVERLAP_SECONDS)
        complete = True
        try:
            for page in client.iter_payment_pages(modified_since=since):
                complete &= self._xero_apply_payments(company, page)
            for page in client.iter_credit_note_pages(modified_since=since):
                complete &= self._xero_apply_credit_notes(company, page)
                self.env["xero.ledger"]._xero_compare_pulled(connection, page)
        except XeroAuthError as error:
            # the invoice pull just worked with this token: a connection made before issue 15 lacks the
            # payments scope. Say so; contacts and invoices keep working until the admin re-authorises.
            _logger.warning("Xero payments of company %s not readable: %s", company.id, error)
            company.sudo().xero_money_error = _(
                "Xero refused to show payments (%s). Re-authorise the connection (Settings → Xero) to grant the"
                " payments scope.",
                error,
            )
            return False
        if complete:
            company.sudo().write({"xero_money_since": started, "xero_money_error": False})
        self.env["xero.invoice.sync"]._xero_retry_attachments(client, company)
        return complete

    @api.model
    def _xero_fetch_events(self, connection, invoice_ids, credit_note_ids):
        """Webhook events: fetch exactly these invoices (status, payments, credit notes) and credit notes.
        Returns False when they must be fetched again (Xero failed, or an invoice was locked)."""
        company = connection.company_id
        try:
            with self.env.cr.savepoint():
                client = self.env["xero.service"]._xero_client(connection)
                complete = True
                known = self.env["account.move"].search(
                    [("company_id", "=", company.id), ("xero_invoice_id", "in", list(invoice_ids))]
                )
                if known:
                    invoices = client.get_full_invoices(known.mapped("xero_invoice_id"))
                    complete &= self._xero_apply_invoices(company, client, invoices)
                if credit_note_ids:
                    for page in client.iter_credit_note_pages(ids=sorted(credit_note_ids)):
                        complete &= self._xero_apply_credit_notes(company, page)
                self.env["xero.invoice.void"]._xero_follow_gone(connection)
                return complete
        except XeroAuthError as error:
            self.env["xero.service"]._xero_handle_auth_error(connection, error)
            return True  # nothing to retry until re-authorised; the hourly pull catches up
        except XeroError as error:
            _logger.warning("Xero invoice events of company %s not fetched: %s", company.id, error)
            return False

    # -- invoices seen whole (events) ----------------------------------------------------------------
    @api.model
    def _xero_apply_invoices(self, company, client, invoices):
        ids = {i.invoice_id for i in invoices}
        moves = self._xero_lock_invoices(company, ids)
        complete = len(moves) == self._xero_our_invoices(company, ids)
        by_id = {i.invoice_id: i for i in invoices}
        unknown_notes = set()
        for move in moves:
            invoice = by_id[move.xero_invoice_id]
            if invoice.status and move.xero_status != invoice.status:
                move.xero_status = invoice.status
            active = {p.payment_id: p for p in invoice.payments}
            mirrored = self._xero_payments_of(company, move)
            for payment in mirrored.filtered(lambda p, a=active: p.state != "canceled" and p.xero_payment_id not in a):
                self._xero_cancel_payment(move, payment)  # Xero drops deleted payments from the invoice
            for xero_payment in active.values():
                if xero_payment.payment_id not in mirrored.mapped("xero_payment_id"):
                    complete &= self._xero_register_payment(company, move, xero_payment)
            unknown_notes |= {note_id for note_id, _amount in invoice.credit_notes}
        self.env["xero.invoice.void"]._xero_record_gone(moves, by_id)
        if unknown_notes:
            known = self.env["account.move"].search(
                [("company_id", "=", company.id), ("xero_invoice_id", "in", list(unknown_notes))]
            )
            missing = unknown_notes - set(known.mapped("xero_invoice_id"))
            if missing:
                for page in client.iter_credit_note_pages(ids=sorted(missing)):
                    complete &= self._xero_apply_credit_notes(company, page)
        return complete

    # -- payments ---------------------------------------------------------------------------------
    @api.model
    def _xero_apply_payments(self, company, payments):
        """``[XeroPayment]`` (from GET /Payments) → registered or cancelled Odoo payments. Returns False
        when some must be seen again (an invoice locked by another worker, no journal chosen)."""
        by_invoice = defaultdict(list)
        for payment in payments:
            if payment.invoice_id:
                by_invoice[payment.invoice_id].append(payment)
        if not by_invoice:
            return True
        moves = self._xero_lock_invoices(company, by_invoice)
        complete = len(moves) == self._xero_our_invoices(company, by_invoice)
        for move in moves:
            mirrored = self._xero_payments_of(company, move, [p.payment_id for p in by_invoice[move.xero_invoice_id]])
            for xero_payment in by_invoice[move.xero_invoice_id]:
                odoo_payment = mirrored.filtered(lambda p, x=xero_payment: p.xero_payment_id == x.payment_id)
                if xero_payment.deleted:
                    if odoo_payment and odoo_payment.state != "canceled":
                        self._xero_cancel_payment(move, odoo_payment)
                elif not odoo_payment:
                    complete &= self._xero_register_payment(company, move, xero_payment)
        return complete

    @api.model
    def _xero_lock_invoices(self, company, xero_ids):
        """Our customer invoices with these Xero ids, locked; those another worker holds are left out."""
        if not xero_ids:
            return self.env["account.move"]
        moves = self.env["account.move"].search(
            [
                ("company_id", "=", company.id),
                ("move_type", "=", "out_invoice"),
                ("state", "=", "posted"),
                ("xero_invoice_id", "in", list(xero_ids)),
            ]
        )
        try:
            with self.env.cr.savepoint():
                return moves.try_lock_for_update(allow_referencing=True)
        except psycopg2.errors.SerializationFailure:  # changed by a worker that committed after our snapshot
            return self.env["account.move"]

    @api.model
    def _xero_our_invoices(self, company, xero_ids):
        return self.env["account.move"].search_count(
            [
                ("company_id", "=", company.id),
                ("move_type", "=", "out_invoice"),
                ("state", "=", "posted"),
                ("xero_invoice_id", "in", list(xero_ids)),
            ]
        )

    @api.model
    def _xero_payments_of(self, company, move, xero_payment_ids=None):
        domain = [("company_id", "=", company.id), ("xero_payment_id", "!=", False)]
        if xero_payment_ids is not None:
            domain.append(("xero_payment_id", "in", xero_payment_ids))
        else:
            domain.append(("xero_invoice_move_id", "=", move.id))
        return self.env["account.payment"].search(domain)

    @api.model
    def _xero_register_payment(self, company, move, xero_payment):
        journal = company.xero_payment_journal_id
        if not journal:
            message = _(
                "A payment of %(amount)s was recorded in Xero; choose the payment journal in Settings → Xero to"
                " register it here.",
                amount=xero_payment.amount,
            )
            if move.xero_payment_error != message:
                move.xero_payment_error = message
            return False
        try:
            with self.env.cr.savepoint():
                wizard = (
                    self.env["account.payment.register"]
                    .with_context(active_model="account.move", active_ids=move.ids, dont_redirect_to_payments=True)
                    .create(
                        {
                            "journal_id": journal.id,
                            "amount": xero_payment.amount,
                            "currency_id": move.currency_id.id,
                            "payment_date": xero_payment.date or fields.Date.context_today(self),
                            "communication": " ".join(
                                filter(None, (move.xero_invoice_number or move.name, xero_payment.reference))
                            ),
                            "payment_difference_handling": "open",
                        }
                    )
                )
                payment = wizard._create_payments()
                payment.write({"xero_payment_id": xero_payment.payment_id, "xero_invoice_move_id": move.id})
                self.env.flush_all()  # the unique index speaks now, inside the savepoint
        except psycopg2.errors.UniqueViolation:
            _logger.info("Xero payment %s was registered by another worker", xero_payment.payment_id)
            return True
        except UserError as error:
            move.xero_payment_error = _("The Xero payment could not be registered: %s", error)
            return False
        move.xero_payment_error = False
        move._message_log(
            body=_(
                "Payment of %(amount)s recorded in Xero on %(date)s registered (%(payment)s).",
                amount=xero_payment.amount,
                date=xero_payment.date,
                payment=payment.name,
            )
        )
        return True

    @api.model
    def _xero_cancel_payment(self, move, payment):
        payment.action_draft()
        payment.action_cancel()
        move._message_log(
            body=_("Payment %(payment)s was deleted in Xero: cancelled here.", payment=payment.name or payment.id)
        )

    # -- credit notes made at Xero -------------------------------------------------------------------
    @api.model
    def _xero_apply_credit_notes(self, company, notes):
        """Xero credit notes allocated to our invoices → posted Odoo credit notes, reconciled with them (and ours
        voided or deleted there recorded as such)."""
        self.env["xero.invoice.void"]._xero_record_gone_notes(company, notes)
        notes = [n for n in notes if n.status in LIVE_CREDIT_STATUSES and n.allocations]
        if not notes:
            return True
        known = set(
            self.env["account.move"]
            .search([("company_id", "=", company.id), ("xero_invoice_id", "in", [n.credit_note_id for n in notes])])
            .mapped("xero_invoice_id")
        )
        notes = [n for n in notes if n.credit_note_id not in known]  # pushed from here, or already back
        allocated_to = {inv for n in notes for inv, _a in n.allocations}
        moves = self._xero_lock_invoices(company, allocated_to)
        by_xero_id = {m.xero_invoice_id: m for m in moves}
        complete = len(moves) == self._xero_our_invoices(company, allocated_to)
        for note in notes:
            invoice = next((by_xero_id[i] for i, _a in note.allocations if i in by_xero_id), None)
            if invoice is None:
                continue  # not one of ours (or locked by another worker: then not complete)
            try:
                with self.env.cr.savepoint():
                    refund = self._xero_create_refund(company, invoice, note)
                    self.env.flush_all()
            except psycopg2.errors.UniqueViolation:
                continue  # another worker brought it back first
            except UserError as error:
                invoice.xero_payment_error = _(
                    "Xero credit note %(number)s not recorded: %(error)s", number=note.number, error=error
                )
                complete = False
                continue
            invoice._message_log(
                body=_(
                    "Credit note %(number)s made in Xero recorded as %(refund)s.",
                    number=note.number,
                    refund=refund.name,
                )
            )
        return complete

    @api.model
    def _xero_create_refund(self, company, invoice, note):
        Tax = self.env["account.tax"]
        fallback = invoice.invoice_line_ids.filtered(lambda line: line.display_type == "product")[:1].account_id
        lines = []
        for line in note.lines:
            tax = Tax
            if line["tax_type"] and line["tax_type"] != "NONE":
                tax = Tax.search(
                    [
                        ("company_id", "=", company.id),
                        ("type_tax_use", "=", "sale"),
                        ("xero_tax_type", "=", line["tax_type"]),
                    ],
                    limit=1,
                )
                if not tax:
                    raise UserError(_("no Odoo tax maps to Xero tax type %s", line["tax_type"]))
            account = self.env["account.account"].search(
                [("xero_account_code", "=", line["account_code"]), ("company_ids", "in", company.id)], limit=1
            )
            inclusive = note.line_amount_types == "Inclusive"
            untaxed = line["line_amount"] - line["tax_amount"] if inclusive else line["line_amount"]
            lines.append(
                fields.Command.create(
                    {
                        "name": line["description"] or note.number,
                        "quantity": 1,
                        "price_unit": untaxed + line["tax_amount"] if tax.price_include else untaxed,
                        "tax_ids": [fields.Command.set(tax.ids)],
                        "account_id": (account or fallback).id,
                    }
                )
            )
        refund = self.env["account.move"].create(
            {
                "move_type": "out_refund",
                "company_id": company.id,
                "partner_id": invoice.partner_id.id,
                "journal_id": invoice.journal_id.id,
                "currency_id": invoice.currency_id.id,
                "invoice_date": note.date or fields.Date.context_today(self),
                "reversed_entry_id": invoice.id,
                "ref": _("Xero credit note %s", note.number),
                "invoice_line_ids": lines,
                "xero_invoice_id": note.credit_note_id,
                "xero_invoice_number": note.number,
                "xero_status": note.status,
                "xero_pushed_at": fields.Datetime.now(),
                "xero_allocated": True,
            }
        )
        refund.action_post()
        self._xero_reconcile(invoice, refund)
        return refund

    @api.model
    def _xero_reconcile(self, invoice, refund):
        lines = (invoice.line_ids + refund.line_ids).filtered(
            lambda line: line.account_id.account_type == "asset_receivable" and not line.reconciled
        )
        if len(lines.move_id) == 2:
            lines.reconcile()
