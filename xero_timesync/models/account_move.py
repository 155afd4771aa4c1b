"""Push customer invoices to Xero exactly once, and keep their Xero status.

See README "Invoicing time and pushing to Xero" for the policies (who may push, edit after push,
account and tax mapping, cancellation).
"""

import hashlib
import json
import logging
import secrets
from datetime import timedelta

from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError

from .. import const
from ..services.errors import XeroAuthError, XeroError
from ..services.paging import iter_batches

_logger = logging.getLogger(__name__)

XERO_STATUSES = [
    ("DRAFT", "Draft"),
    ("SUBMITTED", "Awaiting approval"),
    ("AUTHORISED", "Awaiting payment"),
    ("PAID", "Paid"),
    ("VOIDED", "Voided"),
    ("DELETED", "Deleted"),
]
GONE_STATUSES = ("VOIDED", "DELETED")
DEEP_LINK = "https://go.xero.com/organisationlogin/default.aspx?shortcode={short_code}&redirecturl={path}"
INVOICE_PATH = "/AccountsReceivable/View.aspx?InvoiceID={invoice_id}"
LOOKUP_BATCH = 40  # references per GET /Invoices (keeps the where clause well inside URL limits)


class AccountMove(models.Model):
    _inherit = "account.move"

    xero_invoice_id = fields.Char("Xero InvoiceID", copy=False, readonly=True, index="btree_not_null")
    xero_invoice_number = fields.Char("Xero number", copy=False, readonly=True)
    xero_status = fields.Selection(XERO_STATUSES, "Xero status", copy=False, readonly=True, index="btree_not_null")
    xero_pushed_at = fields.Datetime("Pushed to Xero", copy=False, readonly=True)
    xero_push_error = fields.Text("Xero push error", copy=False, readonly=True)
    xero_push_nonce = fields.Char(
        copy=False, readonly=True, help="Nonce of the last push attempt with a known outcome."
    )
    xero_url = fields.Char("Xero link", compute="_compute_xero_url")
    # set by the "Invoice time" wizard
    xero_time_rounding = fields.Selection(
        [("0", "No rounding"), ("6", "6 minutes"), ("15", "15 minutes")], "Time rounding", copy=False, readonly=True
    )
    xero_revenue_account_code = fields.Char("Xero revenue account", copy=False, readonly=True)
    xero_expense_account_code = fields.Char(
        "Xero expense account",
        copy=False,
        readonly=True,
        help="Xero account of the lines that are not time (disbursements, materials) unless their account maps"
        " to its own Xero account.",
    )
    xero_timesheet_count = fields.Integer("Invoiced timesheets", compute="_compute_xero_timesheet_count")
    xero_currency_warning = fields.Char(
        compute="_compute_xero_currency_warning",
        help="Set when the invoice's currency is not the one the Xero organisation keeps its books in.",
    )
    # -- the money comes back (issue 15; logic in xero.money) --
    xero_payment_error = fields.Char("Xero payments", copy=False, readonly=True)
    xero_allocated = fields.Boolean(
        "Allocated in Xero", copy=False, readonly=True, help="This credit note is allocated to its invoice in Xero."
    )
    xero_timesheets_attached = fields.Boolean("Timesheets attached in Xero", copy=False, readonly=True)

    xero_credit_pushable = fields.Boolean(compute="_compute_xero_credit_pushable")

    # one Odoo document per Xero invoice or credit note: what makes credit notes coming back exactly once
    _xero_invoice_id_uniq = models.UniqueIndex(
        "(company_id, xero_invoice_id) WHERE xero_invoice_id IS NOT NULL",
        "This Xero invoice or credit note is already in Odoo.",
    )

    @api.depends("xero_invoice_id", "company_id")
    def _compute_xero_url(self):
        for move in self:
            connection = move.company_id.xero_connection_id
            if not move.xero_invoice_id:
                move.xero_url = False
                continue
            path = INVOICE_PATH.format(invoice_id=move.xero_invoice_id)
            if connection and connection.short_code:
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
            ._read_group([("xero_invoice_id", "in", self.ids)], ["xero_invoice_id"], ["__count"])
        )
        for move in self:
            move.xero_timesheet_count = counts.get(move, 0)

    # -- guards ----------------------------------------------------------------------------------
    def _xero_check_pusher(self):
        user = self.env.user
        if not (user.has_group("account.group_account_invoice") or user.has_group("base.group_system")):
            raise AccessError(_("Only accountants and administrators can push invoices to Xero."))

    def _xero_live(self):
        """Invoices that exist in Xero (pushed, not voided or deleted there)."""
        return self.filtered(lambda m: m.xero_invoice_id and m.xero_status not in GONE_STATUSES)

    def button_draft(self):
        if not self.env.context.get("xero_cancelling"):
            live = self._xero_live()
            if live:
                raise UserError(
                    _(
                        "%(invoice)s is in Xero as %(number)s: its amounts can no longer change here. To correct it,"
                        " cancel it (Odoo then voids or deletes it in Xero and releases its timesheets) and invoice"
                        " again.",
                        invoice=live[0].display_name,
                        number=live[0].xero_invoice_number,
                    )
                )
        return super().button_draft()

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
        result = super(AccountMove, self.with_context(xero_cancelling=True)).button_cancel()
        if live:
            live._xero_cancel_in_xero()  # raises (and so undoes the cancel) when Xero refuses
        self._xero_release_timesheets()
        return result

    def _xero_release_timesheets(self):
        timesheets = self.env["account.analytic.line"].sudo().search([("xero_invoice_id", "in", self.ids)])
        if timesheets:
            timesheets.write({"xero_invoice_line_id": False})

    def _xero_cancel_in_xero(self):
        """Delete Xero drafts, void authorised invoices; refuse with what to do when Xero cannot."""
        for company, moves in self.grouped("company_id").items():
            connection = moves._xero_connection(company)
            client = connection._xero_client()
            try:
                current = {}
                for batch in iter_batches(moves, 50):
                    for invoice in client.get_invoices(ids=[m.xero_invoice_id for m in batch])[0]:
                        current[invoice.invoice_id] = invoice
                for move in moves:
                    invoice = current.get(move.xero_invoice_id)
                    status = invoice.status if invoice else "DELETED"
                    if status == "PAID":
                        raise UserError(
                            _(
                                "%(invoice)s is paid in Xero (%(number)s). Remove its payments in Xero, then cancel"
                                " it here again.",
                                invoice=move.display_name,
                                number=move.xero_invoice_number,
                            )
                        )
                    if status not in GONE_STATUSES:
                        target = "VOIDED" if status == "AUTHORISED" else "DELETED"
                        status = client.update_invoice_status(move.xero_invoice_id, target).status or target
                    move.write({"xero_status": status})
                    move._message_log(
                        body=_("Cancelled: the invoice is %(status)s in Xero.", status=move._xero_status_label(status))
                    )
            except XeroAuthError as error:
                connection._xero_handle_auth_error(error)
                raise UserError(_("Xero refused the connection (%s); nothing was cancelled.", error)) from None
            except XeroError as error:
                raise UserError(
                    _(
                        "Xero refused to void or delete %(invoice)s: %(error)s. Nothing was cancelled; fix it in Xero"
                        " (e.g. remove payments) and cancel again.",
                        invoice=moves[0].display_name,
                        error=error,
                    )
                ) from None

    @api.model
    def _xero_connection(self, company):
        connection = self.env["xero.connection"]._xero_for_company(company)
        if not connection or connection.state != "connected":
            raise UserError(_("%s is not connected to Xero (Settings → Xero).", company.name))
        return connection

    # -- push ------------------------------------------------------------------------------------
    def action_xero_push(self):
        """Push to Xero (form button and list action); returns a notification with each invoice's outcome."""
        self._xero_check_pusher()
        known_errors = {move: move.xero_push_error for move in self}
        report = self._xero_push()
        return self._xero_push_notification(report, known_errors)

    def action_xero_push_other_currency(self):
        """Push to Xero anyway: the accountant confirmed the invoice's currency differs from Xero's books."""
        return self.with_context(xero_push_other_currency=True).action_xero_push()

    def _xero_push(self):
        """Create these invoices in Xero, exactly once. Returns ``{move: error or None}``."""
        report = {}
        candidates = self.env["account.move"]
        for move in self:
            if move.move_type == "out_refund" and move.reversed_entry_id._xero_live():
                if move.state != "posted":
                    report[move] = _("Confirm the credit note first.")
                elif move.xero_invoice_id and move.xero_allocated:
                    report[move] = None
                else:
                    candidates |= move  # pushed as an ACCRECCREDIT allocated to the Xero invoice
                continue
            if move.move_type != "out_invoice":
                report[move] = _("Only customer invoices, and credit notes of pushed invoices, can be pushed to Xero.")
            elif move.state != "posted":
                report[move] = _("Confirm the invoice first: its number becomes the reference in Xero.")
            elif move._xero_live():
                report[move] = None  # already there: pushing twice never creates a second one
            else:
                candidates |= move
        for company, moves in candidates.grouped("company_id").items():
            try:
                connection = self._xero_connection(company)
            except UserError as error:
                report.update(dict.fromkeys(moves, str(error)))
                continue
            locked = moves.try_lock_for_update(allow_referencing=True)
            for move in moves - locked:
                report[move] = _("Somebody is pushing this invoice right now; try again in a moment.")
            locked.invalidate_recordset(["xero_invoice_id", "xero_status", "xero_push_nonce"])
            refunds = locked.filtered(lambda m: m.move_type == "out_refund")
            locked -= refunds
            for move in locked._xero_live():  # pushed by the one who held the lock before us
                report[move] = None
            report.update(locked.filtered(lambda m: not m._xero_live())._xero_push_locked(connection))
            if refunds:
                report.update(refunds._xero_push_refunds_locked(connection))
        return report

    def _xero_push_locked(self, connection):
        report = {}
        if not self:
            return report
        client = connection._xero_client()
        try:
            report.update(self._xero_ensure_contacts(client))
            payloads = {}
            tracking = self.env["xero.tracking.mapping"]._xero_push_plan(connection, client)
            for move in self.filtered(lambda m: m not in report):
                payload, error = move._xero_invoice_payload(connection, tracking)
                if error:
                    report[move] = error
                else:
                    payloads[move] = payload
            ready = self.browse([m.id for m in payloads])
            pending = self.env["xero.invoice.push"]._pending(ready)
            found = self._xero_find_existing(client, pending)
            self._xero_store_results({move: (invoice, pending[move]) for move, invoice in found.items()})
            report.update(dict.fromkeys(found))
            to_create = ready.filtered(lambda m: m not in found)
            if to_create:
                report.update(to_create._xero_create(client, payloads, pending))
        except XeroAuthError as error:
            connection._xero_handle_auth_error(error)
            report.update({m: str(error) for m in self if m not in report})
        except XeroError as error:
            report.update({m: str(error) for m in self if m not in report})
        self.env["xero.money"]._xero_attach_timesheets(client, self.filtered(lambda m: m._xero_live()))
        return report

    def _xero_push_refunds_locked(self, connection):
        client = connection._xero_client()
        try:
            return self.env["xero.money"]._xero_push_credit_notes(connection, client, self)
        except XeroAuthError as error:
            connection._xero_handle_auth_error(error)
            return dict.fromkeys(self, str(error))
        except XeroError as error:
            return dict.fromkeys(self, str(error))

    def _xero_create(self, client, payloads, pending):
        # an attempt still pending keeps its nonce (same key: Xero replays if it did receive it)
        nonces = {move.id: pending.get(move) or secrets.token_hex(8) for move in self}
        new = {move.id: nonces[move.id] for move in self if move not in pending}
        if new:
            self.env["xero.invoice.push"]._record(new)
        ordered = self.sorted("id")
        body = [payloads[move] for move in ordered]
        seed = json.dumps([[m.id, nonces[m.id]] for m in ordered] + [body], sort_keys=True, default=str)
        key = hashlib.sha256(f"{self.env.cr.dbname}|{seed}".encode()).hexdigest()[:64]
        results = client.create_invoices(body, key)
        report, created = {}, {}
        for move, result in zip(ordered, results, strict=True):
            if result.invoice:
                created[move] = (result.invoice, nonces[move.id])
                report[move] = None
            elif result.outcome_unknown:
                report[move] = _(
                    "%s Xero may have received it: the next push first looks for it there, so it is never created"
                    " twice.",
                    "; ".join(result.errors),
                )
                move.write({"xero_push_error": report[move]})
            else:
                report[move] = _("Xero refused the invoice: %s", "; ".join(result.errors))
                move.write({"xero_push_error": report[move], "xero_push_nonce": nonces[move.id]})
        self._xero_store_results(created)
        return report

    def _xero_store_results(self, results):
        """``{move: (XeroInvoice, nonce)}`` → Xero fields and one chatter line each (messages in one batch)."""
        now = fields.Datetime.now()
        for move, (invoice, nonce) in results.items():
            move.write(
                {
                    "xero_invoice_id": invoice.invoice_id,
                    "xero_invoice_number": invoice.number,
                    "xero_status": invoice.status or "DRAFT",
                    "xero_pushed_at": now,
                    "xero_push_error": False,
                    "xero_push_nonce": nonce,
                }
            )  # different values per invoice; the ORM flushes them as one UPDATE per batch
        moves = self.browse([move.id for move in results])
        moves._message_log_batch(
            bodies={
                move.id: Markup("%s <a href='%s' target='_blank'>%s</a>")
                % (_("Pushed to Xero as"), move.xero_url, invoice.number or invoice.invoice_id)
                for move, (invoice, _nonce) in results.items()
            }
        )

    def _xero_find_existing(self, client, pending):
        """Invoices an earlier attempt may have created (lost response): ``{move: XeroInvoice}``."""
        found = {}
        moves = self.browse([m.id for m in pending])
        for batch in iter_batches(moves, LOOKUP_BATCH):
            by_reference = {m.name: m for m in batch}
            for page in client.iter_invoice_pages(references=list(by_reference)):
                for invoice in page:
                    move = by_reference.get(invoice.reference)
                    if (
                        move
                        and invoice.status not in GONE_STATUSES
                        and invoice.contact_id == move.commercial_partner_id.xero_contact_id
                    ):
                        found[move] = invoice
        return found

    def _xero_ensure_contacts(self, client):
        """Create the Xero contacts of clients that have none; returns ``{move: error}`` for failures."""
        partners = self.commercial_partner_id.filtered(lambda p: not p.xero_contact_id)
        if not partners:
            return {}
        payloads = [partner._xero_contact_payload() for partner in partners]
        key = hashlib.sha256(
            f"{self.env.cr.dbname}|contacts|{json.dumps(payloads, sort_keys=True)}".encode()
        ).hexdigest()[:64]
        errors = {}
        for partner, (contact_id, problems) in zip(partners, client.create_contacts(payloads, key), strict=False):
            if contact_id:
                partner.sudo().write({"xero_contact_id": contact_id})
            else:
                errors[partner] = _(
                    "Xero refused the client %(name)s: %(errors)s", name=partner.name, errors="; ".join(problems)
                )
        return {m: errors[m.commercial_partner_id] for m in self if m.commercial_partner_id in errors}

    def _xero_invoice_payload(self, connection, tracking=None):
        """``(payload, None)`` or ``(None, error)``: the ACCREC invoice as Xero expects it.

        ``tracking``: the push's tracking plan (``xero.tracking.mapping._xero_push_plan``), if any.
        """
        self.ensure_one()
        if not self.env.context.get("xero_push_other_currency") and (
            problem := self._xero_currency_problem(connection)
        ):
            return None, problem
        line_tracking, problem = tracking.for_move(self) if tracking else ({}, None)
        if problem:
            return None, problem
        lines, inclusive, taxed = [], set(), False
        for line in self.invoice_line_ids.sorted(lambda line: (line.sequence, line.id)):
            if line.display_type in ("line_section", "line_subsection", "line_note"):
                if line.name:
                    lines.append({"Description": line.name})
                continue
            item, problem = line._xero_line_item(self, connection)
            if problem:
                return None, problem
            if line.tax_ids:
                taxed = True
                inclusive.add(bool(line.tax_ids.price_include))
            if line.discount:
                item["DiscountRate"] = line.discount
            if line.id in line_tracking:
                item["Tracking"] = line_tracking[line.id]
            lines.append(item)
        if len(inclusive) > 1:
            return None, _("Xero needs all taxes of an invoice either included in prices or not; this one mixes both.")
        if not any("AccountCode" in item for item in lines):
            return None, _("The invoice has no line to send to Xero.")
        return {
            "Type": "ACCREC",
            "Contact": {"ContactID": self.commercial_partner_id.xero_contact_id},
            "Date": fields.Date.to_string(self.invoice_date),
            "DueDate": fields.Date.to_string(self.invoice_date_due or self.invoice_date),
            "LineAmountTypes": ("Inclusive" if True in inclusive else "Exclusive") if taxed else "NoTax",
            "CurrencyCode": self.currency_id.name,
            "Reference": self.name,
            "Status": self.company_id.xero_push_status,
            "LineItems": lines,
        }, None

    def _xero_push_notification(self, report, known_errors=None):
        """The toast of a push; each new failure is also noted in the invoice's chatter (once)."""
        known_errors = known_errors or {}
        failed = {move: error for move, error in report.items() if error}
        for move, error in failed.items():
            if move._xero_live():
                continue
            if move.xero_push_error != error:
                move.write({"xero_push_error": error})
            if known_errors.get(move) != error:
                move.message_post(
                    body=Markup("<strong>%s</strong> %s") % (_("Not pushed to Xero:"), error),
                    subtype_xmlid="mail.mt_note",
                )
        pushed = len(report) - len(failed)
        if failed:
            lines = "\n".join(f"{move.display_name}: {error}" for move, error in failed.items())
            message = _(
                "%(pushed)s pushed, %(failed)s not pushed:\n%(lines)s", pushed=pushed, failed=len(failed), lines=lines
            )
        else:
            message = _("%s invoice(s) are in Xero.", pushed)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": _("Push to Xero"),
                "message": message,
                "type": "danger" if failed else "success",
                "sticky": bool(failed),
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    def action_xero_open(self):
        self.ensure_one()
        if not self.xero_url:
            raise UserError(_("This invoice is not in Xero yet."))
        return {"type": "ir.actions.act_url", "url": self.xero_url, "target": "new"}

    def action_xero_view_online(self):
        """The customer's online invoice at Xero (Xero has none for drafts)."""
        self.ensure_one()
        if not self.xero_invoice_id or self.xero_status in ("DRAFT", "DELETED", "VOIDED"):
            raise UserError(_("Xero shows online invoices once they are approved (not drafts, voided or deleted)."))
        connection = self._xero_connection(self.company_id)
        try:
            url = connection._xero_client().online_invoice_url(self.xero_invoice_id)
        except XeroAuthError as error:
            connection._xero_handle_auth_error(error)
            raise UserError(_("Xero refused the connection (%s).", error)) from None
        except XeroError as error:
            raise UserError(
                _("Xero has no online invoice for %(invoice)s: %(error)s", invoice=self.name, error=error)
            ) from None
        if not url:
            raise UserError(_("Xero has no online invoice for %s.", self.name))
        return {"type": "ir.actions.act_url", "url": url, "target": "new"}

    def _xero_timesheet_pdf(self):
        """The invoiced timesheets as a PDF: the QWeb report when wkhtmltopdf renders it, else a plain table."""
        self.ensure_one()
        report = self.env.ref("xero_timesync.action_report_xero_timesheets").sudo()
        try:
            content, _kind = self.env["ir.actions.report"].sudo()._render_qweb_pdf(report, self.ids)
        except UserError:  # no wkhtmltopdf on this server
            content = b""
        if content[:5] == b"%PDF-":
            return content
        return self._xero_timesheet_pdf_plain()

    def _xero_timesheet_rows(self):
        self.ensure_one()
        lines = self.env["account.analytic.line"].sudo().search([("xero_invoice_id", "=", self.id)], order="date, id")
        return [
            (
                fields.Date.to_string(line.date),
                line.employee_id.name or "",
                line.task_id.display_name or "",
                line.name or "",
                line.unit_amount,
            )
            for line in lines
        ]

    def _xero_timesheet_pdf_plain(self):
        from io import BytesIO  # noqa: PLC0415 (only without wkhtmltopdf)

        from reportlab.lib import colors  # noqa: PLC0415
        from reportlab.lib.pagesizes import A4, landscape  # noqa: PLC0415
        from reportlab.lib.styles import getSampleStyleSheet  # noqa: PLC0415
        from reportlab.platypus import Paragraph, SimpleDocTemplate, Table, TableStyle  # noqa: PLC0415

        styles = getSampleStyleSheet()
        rows = self._xero_timesheet_rows()
        data = [[_("Date"), _("Employee"), _("Task"), _("Description"), _("Hours")]]
        data += [
            [d, e, Paragraph(t, styles["BodyText"]), Paragraph(n, styles["BodyText"]), f"{h:.2f}"]
            for d, e, t, n, h in rows
        ]
        data.append(["", "", "", _("Total"), f"{sum(r[4] for r in rows):.2f}"])
        table = Table(data, colWidths=[70, 110, 170, 330, 50], repeatRows=1)
        table.setStyle(
            TableStyle(
                [
                    ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
                    ("LINEBELOW", (0, 0), (-1, 0), 0.5, colors.black),
                    ("LINEABOVE", (0, -1), (-1, -1), 0.5, colors.black),
                    ("ALIGN", (4, 0), (4, -1), "RIGHT"),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ]
            )
        )
        title = _("Timesheets of %(invoice)s — %(client)s", invoice=self.name, client=self.partner_id.display_name)
        buffer = BytesIO()
        SimpleDocTemplate(buffer, pagesize=landscape(A4), title=title).build(
            [Paragraph(title, styles["Heading2"]), table]
        )
        return buffer.getvalue()

    def action_xero_open_timesheets(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("hr_timesheet.timesheet_action_all")
        action.update(domain=[("xero_invoice_id", "=", self.id)], context={"create": False})
        return action

    def _xero_status_label(self, status):
        """Xero's status as its label in the user's language (the selection's translated label)."""
        return dict(self._fields["xero_status"]._description_selection(self.env)).get(status, status)

    # -- status back -----------------------------------------------------------------------------
    @api.model
    def _cron_xero_pull_invoice_status(self):
        """Hourly: statuses of pushed invoices, one paged If-Modified-Since call per company, each isolated."""
        for connection in self.env["xero.connection"].sudo().search([("state", "=", "connected")]):
            try:
                with self.env.cr.savepoint():
                    self.sudo()._xero_pull_status(connection)
                with self.env.cr.savepoint():
                    self.env["xero.money"].sudo()._xero_pull(connection)
            except XeroAuthError as error:
                connection._xero_handle_auth_error(error)
            except XeroError as error:
                _logger.warning("Xero invoice statuses of company %s not pulled: %s", connection.company_id.id, error)
            except Exception:
                _logger.exception("Xero invoice status pull of company %s crashed", connection.company_id.id)

    @api.model
    def _xero_pull_status(self, connection):
        company = connection.company_id
        started = fields.Datetime.now()
        pushed_domain = [("company_id", "=", company.id), ("xero_invoice_id", "!=", False)]
        since = company.xero_invoice_status_since
        if since:
            since -= timedelta(seconds=const.SYNC_OVERLAP_SECONDS)
        else:
            first = self.search(pushed_domain, order="xero_pushed_at", limit=1)
            if not first:
                return 0
            since = first.xero_pushed_at - timedelta(seconds=const.SYNC_OVERLAP_SECONDS)
        client = connection._xero_client()
        updated = 0
        for page in client.iter_invoice_pages(modified_since=since):
            by_id = {invoice.invoice_id: invoice for invoice in page}
            moves = self.search([*pushed_domain, ("xero_invoice_id", "in", list(by_id))])
            status_of = {move: by_id[move.xero_invoice_id].status for move in moves}
            changed = moves.filtered(lambda m, status_of=status_of: m.xero_status != status_of[m])
            for status, group in changed.grouped(status_of.get).items():
                group.write({"xero_status": status})
            updated += len(changed)
        company.sudo().xero_invoice_status_since = started
        return updated
