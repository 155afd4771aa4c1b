"""Both ledgers side by side (issue 22): every document pushed to Xero compared with what Xero says about it.

"Compare with Xero" reads each organisation's documents by id, one call per ``const.COMPARE_IDS_PER_CALL``
documents, through the connection's client (so within the organisation's rate budget), and stores what Xero
said on ``xero.ledger.line``. The hourly status pull hands its pages of changed invoices (and the money pull
its credit notes) to :meth:`_xero_compare_documents` too, at no extra call. Each difference gets one activity
on the document for its accountant, replaced only when the difference changes and closed when it is gone.
"""

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError

from ..services.errors import XeroError
from ..services.values import XeroCreditNote

ACTIVITY_TYPE = "xero_timesync.mail_activity_type_xero_difference"


class XeroLedger(models.AbstractModel):
    _name = "xero.ledger"
    _description = "Pushed documents compared with Xero"

    # -- Compare with Xero ---------------------------------------------------------------------------
    @api.model
    def _xero_check_reconciler(self):
        """Billing users and Settings administrators (const.BILLING_GROUPS): the compare spends the organisation's
        API calls and shows invoice amounts."""
        user = self.env.user
        if not (user.has_group("account.group_account_invoice") or user.has_group("base.group_system")):
            raise AccessError(_("Only accountants and administrators can compare invoices with Xero."))

    @api.model
    def _xero_compare_and_notify(self):
        """The button: every connected organisation of the user's current companies; returns a notification."""
        self._xero_check_reconciler()
        connections = (
            self.env["xero.connection"]
            .sudo()
            .search([("company_id", "in", self.env.companies.ids), ("state", "=", "connected")])
        )
        if not connections:
            raise UserError(_("No company of yours is connected to Xero (Settings → Xero)."))
        messages = []
        for connection in connections:
            lines = self.sudo()._xero_compare_connection(connection)
            messages.append(
                _(
                    "%(organisation)s: %(count)s documents compared, %(differ)s differ.",
                    organisation=connection.tenant_name,
                    count=len(lines),
                    differ=len(lines.filtered("difference_count")),
                )
            )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": _("Compare with Xero"),
                "message": "\n".join(messages),
                "type": "info",
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    @api.model
    def _xero_documents_domain(self, connection):
        """The documents of ``connection``'s organisation that are in Xero (pushed, or credit notes made there)."""
        return [
            ("company_id", "=", connection.company_id.id),
            ("move_type", "in", ("out_invoice", "out_refund")),
            ("xero_invoice_id", "!=", False),
            ("xero_tenant_id", "=", connection.tenant_id),  # an organisation unlinked since is not this one's
        ]

    @api.model
    def _xero_compare_connection(self, connection):
        """Read every document of the organisation at Xero by id and compare; returns their ledger lines."""
        moves = self.env["account.move"].search(self._xero_documents_domain(connection), order="id")
        invoices = moves.filtered(lambda m: m.move_type == "out_invoice")
        try:
            with self.env["xero.service"]._xero_calls(connection) as client:
                found = client.invoices_by_ids(invoices.mapped("xero_invoice_id"))
                found += client.credit_notes_by_ids((moves - invoices).mapped("xero_invoice_id"))
        except XeroError as error:
            raise UserError(
                _("Xero could not be read for %(org)s: %(error)s", org=connection.tenant_name, error=error)
            ) from None
        lines = self._xero_compare_documents(connection, moves, self._xero_by_id(found))
        self._xero_notify_differences(connection)
        return lines

    # -- the compare (Compare with Xero and the hourly pull) -----------------------------------------
    @api.model
    def _xero_by_id(self, documents):
        """``{lowercase Xero id: XeroInvoice or XeroCreditNote}``."""
        return {self._xero_id_of(document).lower(): document for document in documents}

    @api.model
    def _xero_id_of(self, document):
        return document.credit_note_id if isinstance(document, XeroCreditNote) else document.invoice_id

    @api.model
    def _xero_compare_documents(self, connection, moves, xero_docs):
        """Store what Xero said about ``moves`` (``xero_docs``: ``{Xero id: XeroInvoice or XeroCreditNote}``, any
        case); a move whose id is not in ``xero_docs`` is missing at Xero, so pass only the moves Xero was asked
        about. Returns the ledger lines; the differences follow (stored computes)."""
        Line = self.env["xero.ledger.line"].sudo()
        docs = {key.lower(): document for key, document in xero_docs.items()}
        lines = Line.search([("move_id", "in", moves.ids)])
        by_move = {line.move_id.id: line for line in lines}
        common = {
            "tenant_id": connection.tenant_id,
            "tenant_name": connection.tenant_name,
            "compared_at": fields.Datetime.now(),
        }
        new = []
        for move in moves:
            values = dict(common, **self._xero_seen_values(docs.get((move.xero_invoice_id or "").lower())))
            if move.id in by_move:
                by_move[move.id].write(values)
            else:
                new.append(dict(values, move_id=move.id))
        return lines | Line.create(new)

    @api.model
    def _xero_seen_values(self, document):
        if document is None:
            return {"xero_missing": True, "xero_seen_status": False}
        values = {
            "xero_missing": False,
            "xero_seen_status": document.status or False,
            "xero_total": document.total,
            "xero_amount_due": (
                document.remaining_credit if isinstance(document, XeroCreditNote) else document.amount_due
            ),
            "xero_currency": document.currency or False,
        }
        if document.total_tax is not None:  # a reply that does not say keeps what the last one said
            values["xero_total_tax"] = document.total_tax
        return values

    @api.model
    def _xero_compare_pulled(self, connection, documents):
        """The hourly pulls' pages (invoices or credit notes changed at Xero): compare those that are ours."""
        docs = self._xero_by_id(documents)
        if not docs:
            return self.env["xero.ledger.line"]
        moves = self.env["account.move"].search(
            [
                *self._xero_documents_domain(connection),
                ("xero_invoice_id", "in", list({self._xero_id_of(d) for d in documents})),
            ]
        )
        return self._xero_compare_documents(connection, moves, docs)

    # -- telling the accountant, once per difference ------------------------------------------------
    @api.model
    def _xero_notify_differences(self, connection):
        """One activity per document that differs, for its accountant; replaced only when the difference changes,
        closed when both ledgers agree again."""
        lines = (
            self.env["xero.ledger.line"]
            .sudo()
            .search([("company_id", "=", connection.company_id.id), ("needs_notice", "=", True)])
        )
        if not lines:
            return
        activity_type = self.env.ref(ACTIVITY_TYPE)
        accountants = self._xero_accountants(connection)
        for line in lines:
            move = line.move_id
            previous = move.activity_ids.filtered(lambda a, t=activity_type: a.activity_type_id == t)
            if previous:
                previous.action_feedback(
                    feedback=_("The difference changed.") if line.difference_key else _("Odoo and Xero agree again.")
                )
            assignee = move.invoice_user_id if move.invoice_user_id in accountants else accountants[:1]
            # a document the void-follower could not resolve already has its own activity (xero_ledger_difference)
            if line.difference_key and assignee and not move.xero_ledger_difference:
                move.activity_schedule(
                    ACTIVITY_TYPE,
                    summary=_("Differs from Xero: %s", line.difference_summary),
                    note=line._xero_difference_note(),
                    user_id=assignee.id,
                )
        for key, group in lines.grouped("difference_key").items():
            group.write({"notified_key": key})

    @api.model
    def _xero_accountants(self, connection):
        """Who is told: active billing users of the company, whoever connected it first when it is one of them."""
        company = connection.company_id
        billing = (
            self.env.ref("account.group_account_invoice")
            .sudo()
            .all_user_ids.filtered(lambda u: u.active and not u.share and company in u.company_ids)
            .sorted("id")
        )
        owner = connection.owner_id & billing
        return owner | (billing - owner)
