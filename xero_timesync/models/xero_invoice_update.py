"""A pushed invoice changed in Odoo while Xero keeps it as a draft: updated in place at Xero.

Reset to draft of a pushed invoice is allowed only while Xero has it as a DRAFT (read there first,
``_xero_check_drafts_at_xero``); the invoice is then ``xero_update_pending``. Once confirmed again, Push to
Xero (the button, the list action, or Odoo's Send with the "by Xero" method) sends the whole invoice again
with ``POST /Invoices/{InvoiceID}``: the same payload the push builds, Xero's totals stored and compared.
Xero's copy is read first (one GET per 50 invoices): one that is no longer a draft there (approved, paid,
voided, deleted) is not sent, and the accountant is told why. See README "Update in Xero".
"""

import hashlib
import json

from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..services.errors import XeroError, XeroNotFoundError, XeroValidationError
from .account_move import GONE_STATUSES


class XeroInvoiceUpdate(models.AbstractModel):
    _name = "xero.invoice.update"
    _description = "Xero invoice updated in place while a draft there"

    # -- reset to draft ------------------------------------------------------------------------------
    @api.model
    def _xero_check_drafts_at_xero(self, moves):
        """Raises unless Xero has each of these invoices as a draft now (read there: one GET per 50); stores the
        statuses Xero answered."""
        Sync = self.env["xero.invoice.sync"]
        for company, company_moves in moves.grouped("company_id").items():
            connection = Sync._xero_connection(company)
            for move in company_moves:
                if problem := move._xero_organisation_problem(connection):
                    raise UserError(problem)
            try:
                with self.env["xero.service"]._xero_calls(connection) as client:
                    current = Sync._xero_current_invoices(client, company_moves)
            except XeroError as error:
                raise UserError(
                    _("Xero could not tell whether it still keeps these invoices as drafts: %s", error)
                ) from None
            for move in company_moves:
                status = self._xero_status_now(move, current)
                if status != "DRAFT":
                    raise UserError(
                        _(
                            "%(invoice)s is %(status)s in Xero (%(number)s): Xero no longer keeps it as a draft, so its"
                            " amounts can no longer change here. To correct it, cancel it (Odoo then voids or deletes"
                            " it in Xero and releases its timesheets) and invoice again.",
                            invoice=move.display_name,
                            status=move._xero_status_label(status).lower(),
                            number=move.xero_invoice_number or move.xero_invoice_id,
                        )
                    )

    @api.model
    def _xero_status_now(self, move, current):
        """Xero's status of ``move`` in ``current`` (``{InvoiceID: XeroInvoice}``), stored on it when it changed
        (a void or delete is left to the status pull, which follows it)."""
        invoice = current.get(move.xero_invoice_id)
        status = (invoice.status if invoice else "DELETED") or "DRAFT"
        if status != move.xero_status and status not in GONE_STATUSES:
            move.write({"xero_status": status})
        return status

    @api.model
    def _xero_not_draft(self, move, status):
        return _(
            "%(invoice)s is %(status)s in Xero (%(number)s): Xero no longer keeps it as a draft, so it was not"
            " updated there and Xero keeps the version pushed before. To correct it, cancel it here (Odoo voids or"
            " deletes it in Xero) and invoice again.",
            invoice=move.display_name,
            status=move._xero_status_label(status).lower(),
            number=move.xero_invoice_number or move.xero_invoice_id,
        )

    # -- update in place -----------------------------------------------------------------------------
    @api.model
    def _xero_update(self, moves):
        """Send again these posted invoices (``xero_update_pending``) to their Xero drafts. Returns ``{move: error
        or None}``; a refused one keeps its pending change and shows why (``xero_push_error``)."""
        report = {}
        Sync = self.env["xero.invoice.sync"]
        for company, company_moves in moves.grouped("company_id").items():
            try:
                connection = Sync._xero_connection(company)
            except UserError as error:
                report.update(dict.fromkeys(company_moves, str(error)))
                continue
            for move in company_moves:
                if problem := move._xero_organisation_problem(connection):
                    report[move] = problem
            todo = company_moves.filtered(lambda m: m not in report)
            locked = todo.try_lock_for_update(allow_referencing=True)
            for move in todo - locked:
                report[move] = _("Somebody is pushing this invoice right now; try again in a moment.")
            locked.invalidate_recordset(["xero_update_pending", "xero_status"])
            report.update(dict.fromkeys(locked.filtered(lambda m: not m.xero_update_pending)))  # done just before
            report.update(self._xero_update_locked(connection, locked.filtered("xero_update_pending")))
        for move, error in report.items():
            if error and move.xero_update_pending and move.xero_push_error != error:
                move.write({"xero_push_error": error})
        return report

    @api.model
    def _xero_update_locked(self, connection, moves):
        if not moves:
            return {}
        Sync = self.env["xero.invoice.sync"]
        report, updated = {}, {}
        try:
            with self.env["xero.service"]._xero_calls(connection) as client:
                current = Sync._xero_current_invoices(client, moves)
                for move in moves:
                    status = self._xero_status_now(move, current)
                    if status != "DRAFT":
                        report[move] = self._xero_not_draft(move, status)
                ready = moves.filtered(lambda m: m not in report)
                report.update(Sync._xero_ensure_contacts(client, ready))  # a client changed while in draft here
                tracking = self.env["xero.tracking.mapping"]._xero_push_plan(connection, client)
                for move in ready.filtered(lambda m: m not in report):
                    payload, error = Sync._xero_invoice_payload(connection, move, tracking)
                    if error:
                        report[move] = error
                        continue
                    try:
                        updated[move] = client.update_invoice(
                            move.xero_invoice_id, payload, self._xero_key(move, payload)
                        )
                    except (XeroValidationError, XeroNotFoundError) as error:  # this invoice's; the others go on
                        report[move] = _("Xero refused the update: %s", error)
                        continue
                    report[move] = None
                self._xero_store_updates(updated)
                # the reconciliation view sees what Xero answered, at no extra call
                seen = dict(current, **{move.xero_invoice_id: invoice for move, invoice in updated.items()})
                self.env["xero.ledger"]._xero_compare_documents(connection, moves, seen)
                attach = moves.browse([m.id for m in updated]).filtered("xero_timesheet_count")
                attach.write({"xero_timesheets_attached": False})  # the PDF of the time as it is now replaces it
                Sync._xero_attach_timesheets(client, attach)
        except XeroError as error:  # the grant, the rate limit, Xero unreachable: the rest wait for the next push
            self._xero_store_updates({move: invoice for move, invoice in updated.items() if move.xero_update_pending})
            report.update({move: str(error) for move in moves if move not in updated and not report.get(move)})
        return report

    @api.model
    def _xero_key(self, move, payload):
        seed = json.dumps([move.id, move.xero_invoice_id, payload], sort_keys=True, default=str)
        return hashlib.sha256(f"{self.env.cr.dbname}|update|{seed}".encode()).hexdigest()[:64]

    @api.model
    def _xero_store_updates(self, updated):
        """``{move: XeroInvoice}`` as Xero stored them: status, totals (compared with Odoo's), a chatter line."""
        now = fields.Datetime.now()
        for move, invoice in updated.items():
            move.write(
                {
                    "xero_status": invoice.status or "DRAFT",
                    "xero_pushed_at": now,
                    "xero_push_error": False,
                    "xero_update_pending": False,
                }
            )
            move._message_log(
                body=Markup("%s <a href='%s' target='_blank'>%s</a>")
                % (_("Updated in Xero:"), move.xero_url, invoice.number or move.xero_invoice_number)
            )
        self.env["xero.invoice.sync"]._xero_store_totals(updated)
