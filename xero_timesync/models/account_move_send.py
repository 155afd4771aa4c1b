"""Push to Xero as a sending method of Odoo's Send (``account.move.send`` and its two wizards), the way
``account_peppol`` adds Peppol.

A client whose *Invoice sending* is **by Xero** (``res.partner.invoice_sending_method``) has its invoices pushed
to Xero when they are sent; the single invoice's Send dialog offers the method for every company connected to
Xero. The push is Push to Xero's own (``xero.invoice.sync._xero_push``: the same checks, exactly once, a pending
change updated in place), made as the user who sent, who must be allowed to push (Odoo's batch sending runs later
in its scheduled action). Errors are Odoo's send errors: raised in the dialog, noted on each invoice by the batch.
"""

from collections import defaultdict

from odoo import _, api, models
from odoo.exceptions import AccessError

from ..ownership import owned_writes

XERO = "xero"


class AccountMoveSend(models.AbstractModel):
    _inherit = "account.move.send"

    @api.model
    def _is_applicable_to_company(self, method, company):
        if method == XERO:
            return self.env["xero.connection"]._xero_for_company(company).state == "connected"
        return super()._is_applicable_to_company(method, company)

    @api.model
    def _is_applicable_to_move(self, method, move, **move_data):
        if method == XERO:
            return self._is_applicable_to_company(method, move.company_id) and self._xero_to_send(move.sudo())
        return super()._is_applicable_to_move(method, move, **move_data)

    @api.model
    def _xero_to_send(self, move):
        """Whether Push to Xero would still send something for ``move``: a customer invoice not in Xero yet or
        changed since (``xero_update_pending``), or a credit note of an invoice in Xero not allocated there yet."""
        if move.move_type == "out_refund":
            return bool(move.reversed_entry_id._xero_live()) and not (move.xero_invoice_id and move.xero_allocated)
        return move.move_type == "out_invoice" and (not move._xero_live() or move.xero_update_pending)

    @api.model
    def _get_alerts(self, moves, moves_data):
        alerts = super()._get_alerts(moves, moves_data)
        if any(XERO in moves_data[move]["sending_methods"] for move in moves) and not self._xero_may_push():
            alerts["xero_timesync_not_pusher"] = {
                "level": "danger",
                "message": _(
                    "Only accountants and administrators can push invoices to Xero: ask one of them to send these"
                    " invoices by Xero, or choose another sending method."
                ),
            }
        return alerts

    @api.model
    def _xero_may_push(self):
        try:
            self.env["account.move"]._xero_check_pusher()
        except AccessError:
            return False
        return True

    @api.model
    def _call_web_service_after_invoice_pdf_render(self, invoices_data):
        super()._call_web_service_after_invoice_pdf_render(invoices_data)
        to_push = {move: data for move, data in invoices_data.items() if XERO in data["sending_methods"]}
        if to_push:
            self._xero_send(to_push)

    @api.model
    def _xero_send(self, invoices_data):
        """Push to Xero, as the user who sent each invoice (the batch runs as the scheduler's user); an invoice
        Xero did not take gets Odoo's send error (``invoice_data["error"]``)."""
        senders = defaultdict(list)
        for move, data in invoices_data.items():
            senders[data["author_user_id"], move.company_id.id].append(move.id)
        for (user_id, company_id), move_ids in senders.items():
            moves = self.env["account.move"].with_user(user_id).with_company(company_id).browse(move_ids)
            try:
                moves._xero_check_pusher()
                moves.check_access("read")
            except AccessError as error:
                report = dict.fromkeys(moves, str(error))
            else:
                with owned_writes():  # what Xero answered, and why not, as Push to Xero writes them
                    report = self.env["xero.invoice.sync"].with_env(moves.env)._xero_push(moves)
                    for move, error in report.items():
                        if error and not move._xero_live() and move.xero_push_error != error:
                            move.write({"xero_push_error": error})
            for move, error in report.items():
                if error:
                    invoices_data[move]["error"] = {"error_title": _("Not sent to Xero:"), "errors": [error]}
