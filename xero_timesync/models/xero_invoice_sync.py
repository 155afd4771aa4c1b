"""Invoices and credit notes to Xero and their status back: push (exactly once), lookup, cancel at Xero,
the timesheet PDF on the Xero invoice, and the hourly status pull.

``account.move`` keeps the fields and the buttons; they hand the moves to this model. The money that
comes back (payments, credit notes made at Xero) is ``xero.money``'s. See README "Invoicing time and
pushing to Xero" for the policies (who may push, edit after push, account and tax mapping, cancellation).
"""

import hashlib
import json
import logging
import secrets
from datetime import timedelta

from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import format_amount

from .. import const, totals
from ..services.errors import XeroAuthError, XeroError
from ..services.paging import iter_batches
from .account_move import GONE_STATUSES

_logger = logging.getLogger(__name__)

LOOKUP_BATCH = 40  # references per GET /Invoices (keeps the where clause well inside URL limits)
ATTACH_RETRY_BATCH = 20


class XeroInvoiceSync(models.AbstractModel):
    _name = "xero.invoice.sync"
    _description = "Xero invoice push, cancellation and status"

    @api.model
    def _xero_connection(self, company):
        connection = self.env["xero.connection"]._xero_for_company(company)
        if not connection or connection.state != "connected":
            raise UserError(_("%s is not connected to Xero (Settings → Xero).", company.name))
        return connection

    # -- push ------------------------------------------------------------------------------------
    @api.model
    def _xero_push_and_notify(self, moves):
        """The Push to Xero button: push, then a toast with each invoice's outcome; each new failure is
        also noted in the invoice's chatter (once)."""
        known_errors = {move: move.xero_push_error for move in moves}
        report = self._xero_push(moves)
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
        unattached = [
            move
            for move, error in report.items()
            if not error
            and move.move_type == "out_invoice"
            and move.xero_timesheet_count
            and not move.xero_timesheets_attached
        ]
        if unattached:
            message += "\n" + _(
                "The timesheet PDF of %s is not attached in Xero yet; it is retried hourly and at the next Push to Xero.",
                ", ".join(move.display_name for move in unattached),
            )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": _("Push to Xero"),
                "message": message,
                "type": "danger" if failed else "warning" if unattached else "success",
                "sticky": bool(failed or unattached),
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    @api.model
    def _xero_push(self, moves, attach=True):
        """Create these invoices in Xero, exactly once. Returns ``{move: error or None}``. Invoices already in
        Xero get their missing timesheet PDF attached (``attach`` False: the hourly retry attaches them, one
        call each, as the billing run leaves them)."""
        report = {}
        candidates = moves.browse()
        already_live = moves._xero_live()
        # changed here while Xero keeps them as drafts: updated in place (xero.invoice.update), never created again
        updates = already_live.filtered(
            lambda m: m.xero_update_pending and m.state == "posted" and m.move_type == "out_invoice"
        )
        for move in moves - updates:
            if move.xero_invoice_id and move.xero_status in GONE_STATUSES:
                report[move] = self._xero_gone_refusal(move)
                continue
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
        for company, company_moves in candidates.grouped("company_id").items():
            try:
                connection = self._xero_connection(company)
            except UserError as error:
                report.update(dict.fromkeys(company_moves, str(error)))
                continue
            locked = company_moves.try_lock_for_update(allow_referencing=True)
            for move in company_moves - locked:
                report[move] = _("Somebody is pushing this invoice right now; try again in a moment.")
            locked.invalidate_recordset(["xero_invoice_id", "xero_status", "xero_push_nonce"])
            refunds = locked.filtered(lambda m: m.move_type == "out_refund")
            locked -= refunds
            for move in locked._xero_live():  # pushed by the one who held the lock before us
                report[move] = None
            report.update(self._xero_push_locked(connection, locked.filtered(lambda m: not m._xero_live()), attach))
            if refunds:
                report.update(self._xero_push_refunds_locked(connection, refunds))
        report.update(self.env["xero.invoice.update"]._xero_update(updates))
        self._xero_retry_attachments_of((already_live - updates) if attach else already_live.browse())
        return report

    @api.model
    def _xero_push_locked(self, connection, moves, attach=True):
        report = {}
        if not moves:
            return report
        client = None
        try:
            with self.env["xero.service"]._xero_calls(connection) as client:
                report.update(self._xero_ensure_contacts(client, moves))
                payloads = {}
                tracking = self.env["xero.tracking.mapping"]._xero_push_plan(connection, client)
                for move in moves.filtered(lambda m: m not in report):
                    payload, error = self._xero_invoice_payload(connection, move, tracking)
                    if error:
                        report[move] = error
                    else:
                        payloads[move] = payload
                ready = moves.browse([m.id for m in payloads])
                pending = self.env["xero.push.attempt"]._pending(ready)
                found = self._xero_find_existing(client, pending)
                self._xero_store_results({move: (invoice, pending[move]) for move, invoice in found.items()})
                report.update(dict.fromkeys(found))
                to_create = ready.filtered(lambda m: m not in found)
                if to_create:
                    report.update(self._xero_create(client, to_create, payloads, pending))
        except XeroError as error:
            report.update({m: str(error) for m in moves if m not in report})
        if client and attach:
            self._xero_attach_timesheets(client, moves.filtered(lambda m: m._xero_live()))
        return report

    @api.model
    def _xero_gone_refusal(self, move):
        """A document voided or deleted at Xero is never pushed a second time (a second document with the same
        reference): Odoo's copy is cancelled or reversed, by the status pull or by the accountant."""
        return _(
            "%(document)s was %(status)s in Xero: a document is pushed once, never a second time. Cancel it (or"
            " reverse it) here, and invoice the time again on a new invoice if it is still due.",
            document=move.name,
            status=move._xero_status_label(move.xero_status).lower(),
        )

    @api.model
    def _xero_create(self, client, moves, payloads, pending):
        # an attempt still pending keeps its nonce (same key: Xero replays if it did receive it)
        nonces = {move.id: pending.get(move) or secrets.token_hex(8) for move in moves}
        new = {move.id: nonces[move.id] for move in moves if move not in pending}
        if new:
            self.env["xero.push.attempt"]._record(new)
        ordered = moves.sorted("id")
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

    @api.model
    def _xero_store_results(self, results):
        """``{move: (XeroInvoice, nonce)}`` → Xero fields and one chatter line each (messages in one batch)."""
        now = fields.Datetime.now()
        known = {move: self._xero_known_totals(move) for move in results}
        Move = self.env["account.move"]
        tenants = {company: Move._xero_tenant_of(company) for company in Move.union(*results).company_id}
        for move, (invoice, nonce) in results.items():
            # Xero's fields only: the invoice's lines are not synchronised again, nor its balance checked, for each
            # (most of a write's cost); the organisation found once for all
            move.with_context(skip_invoice_sync=True, check_move_validity=False).write(
                {
                    **Move._xero_pushed_vals(tenants[move.company_id]),
                    "xero_invoice_id": invoice.invoice_id,
                    "xero_invoice_number": invoice.number,
                    "xero_status": invoice.status or "DRAFT",
                    "xero_pushed_at": now,
                    "xero_push_error": False,
                    "xero_push_nonce": nonce,
                    **self._xero_totals_vals(invoice),
                }
            )  # different values per invoice, Xero's totals included: one write each
        for move in results:
            self._xero_check_totals(move, known[move])
        moves = self.env["account.move"].browse([move.id for move in results])
        label = _("Pushed to Xero as")  # here: inside the comprehension below, _() finds no language (Python 3.11)
        moves._message_log_batch(
            bodies={
                move.id: Markup("%s <a href='%s' target='_blank'>%s</a>")
                % (label, move.xero_url, invoice.number or invoice.invoice_id)
                for move, (invoice, _nonce) in results.items()
            }
        )

    @api.model
    def _xero_store_totals(self, invoices):
        """``{move: XeroInvoice or XeroCreditNote}`` → Xero's Total and TotalTax on the move; a difference with Odoo's totals
        gets one activity for the accountant (the check before the push makes it rare: a tax rate changed
        at Xero, an invoice edited there)."""
        for move, invoice in invoices.items():
            known = self._xero_known_totals(move)
            move.write(self._xero_totals_vals(invoice))
            self._xero_check_totals(move, known)

    @api.model
    def _xero_totals_vals(self, invoice):
        vals = {"xero_total": invoice.total}
        if invoice.total_tax is not None:
            vals["xero_total_tax"] = invoice.total_tax
        return vals

    @api.model
    def _xero_known_totals(self, move):
        return (move.xero_total, move.xero_total_tax) if move.xero_total or move.xero_total_tax else None

    @api.model
    def _xero_check_totals(self, move, known):
        """One activity when Xero's totals, new since ``known``, differ from Odoo's."""
        if self._xero_totals_differ(move) and known != (move.xero_total, move.xero_total_tax):
            self._xero_totals_activity(move)

    @api.model
    def _xero_totals_differ(self, move):
        currency = move.currency_id
        return bool(
            currency.compare_amounts(move.xero_total, move.amount_total)
            or currency.compare_amounts(move.xero_total_tax, move.amount_tax)
        )

    @api.model
    def _xero_totals_activity(self, move):
        currency = move.currency_id
        move.sudo().activity_schedule(
            "mail.mail_activity_data_todo",
            summary=_("Totals differ from Xero's"),
            note=_(
                "%(invoice)s is %(total)s (tax %(tax)s) in Odoo and %(xero_total)s (tax %(xero_tax)s) in Xero"
                " (%(number)s). Correct the one that is wrong.",
                invoice=move.display_name,
                total=format_amount(self.env, move.amount_total, currency),
                tax=format_amount(self.env, move.amount_tax, currency),
                xero_total=format_amount(self.env, move.xero_total, currency),
                xero_tax=format_amount(self.env, move.xero_total_tax, currency),
                number=move.xero_invoice_number or move.xero_invoice_id,
            ),
            user_id=move.invoice_user_id.id or self.env.user.id,
        )

    @api.model
    def _xero_find_existing(self, client, pending):
        """Invoices an earlier attempt may have created (lost response): ``{move: XeroInvoice}``."""
        found = {}
        moves = self.env["account.move"].browse([m.id for m in pending])
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

    @api.model
    def _xero_ensure_contacts(self, client, moves):
        """Link the clients without a Xero contact to the one Xero has, create those Xero does not have; returns
        ``{move: error}`` for failures and conflicts (``xero.contact.lookup``)."""
        partners = moves.commercial_partner_id.filtered(lambda p: not p.xero_contact_id)
        if not partners:
            return {}
        Lookup = self.env["xero.contact.lookup"]
        lookup = Lookup._xero_lookup(client, partners)
        Lookup._xero_link(lookup.matched)
        Lookup._xero_ask(lookup.conflicts)
        partners = partners.filtered(lambda p: p not in lookup.matched and p not in lookup.conflicts)
        errors = dict(lookup.conflicts)
        if not partners:
            return {m: errors[m.commercial_partner_id] for m in moves if m.commercial_partner_id in errors}
        payloads = [partner._xero_contact_payload() for partner in partners]
        key = hashlib.sha256(
            f"{self.env.cr.dbname}|contacts|{json.dumps(payloads, sort_keys=True)}".encode()
        ).hexdigest()[:64]
        for partner, (contact_id, problems) in zip(partners, client.create_contacts(payloads, key), strict=False):
            if contact_id:
                partner.sudo().write({"xero_contact_id": contact_id})
            else:
                errors[partner] = _(
                    "Xero refused the client %(name)s: %(errors)s", name=partner.name, errors="; ".join(problems)
                )
        return {m: errors[m.commercial_partner_id] for m in moves if m.commercial_partner_id in errors}

    @api.model
    def _xero_invoice_payload(self, connection, move, tracking=None):
        """``(payload, None)`` or ``(None, error)``: the ACCREC invoice as Xero expects it.

        ``tracking``: the push's tracking plan (``xero.tracking.mapping._xero_push_plan``), if any.
        """
        move.ensure_one()
        if not self.env.context.get("xero_push_other_currency") and (
            problem := move._xero_currency_problem(connection)
        ):
            return None, problem
        line_tracking, problem = tracking.for_move(move) if tracking else ({}, None)
        if problem:
            return None, problem
        lines, inclusive, taxed, figures = [], set(), False, []
        for line in move.invoice_line_ids.sorted(lambda line: (line.sequence, line.id)):
            if line.display_type in ("line_section", "line_subsection", "line_note"):
                if line.name:
                    lines.append({"Description": line.name})
                continue
            item, problem = line._xero_line_item(move, connection)
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
            figures.append(
                (item["Quantity"], item["UnitAmount"], line.discount, self._xero_line_rate(connection, line))
            )
        if len(inclusive) > 1:
            return None, _("Xero needs all taxes of an invoice either included in prices or not; this one mixes both.")
        if not any("AccountCode" in item for item in lines):
            return None, _("The invoice has no line to send to Xero.")
        payload = {
            "Type": "ACCREC",
            "Contact": {"ContactID": move.commercial_partner_id.xero_contact_id},
            "Date": fields.Date.to_string(move.invoice_date),
            "DueDate": fields.Date.to_string(move.invoice_date_due or move.invoice_date),
            "LineAmountTypes": ("Inclusive" if True in inclusive else "Exclusive") if taxed else "NoTax",
            "CurrencyCode": move.currency_id.name,
            "Reference": move.name,
            "Status": move.company_id.xero_push_status,
            "LineItems": lines,
        }
        if rate := self._xero_currency_rate(connection, move):
            payload["CurrencyRate"] = rate
        self._xero_own_terms(move, payload)
        problem = self._xero_totals_problem(move, totals.invoice_totals(figures, payload["LineAmountTypes"]))
        return (None, problem) if problem else (payload, None)

    @api.model
    def _xero_own_terms(self, move, payload):
        """The invoice's branding theme and tracking options (the client's own at Xero, unless the accountant
        changed them) into ``payload``. Tracking by Settings → Xero → Tracking keeps its category on a line."""
        move = move.sudo()
        if move.xero_branding_theme_id:
            payload["BrandingThemeID"] = move.xero_branding_theme_id.xero_theme_id
        options = move.xero_tracking_option_ids
        if not options:
            return
        for item in payload["LineItems"]:
            if "AccountCode" not in item:  # a section or note
                continue
            tracking = item.get("Tracking") or []
            taken = {entry["Name"].casefold() for entry in tracking}
            tracking += [
                {
                    "TrackingCategoryID": option.category_id.xero_category_id,
                    "TrackingOptionID": option.xero_option_id,
                    "Name": option.category_id.name,
                    "Option": option.name,
                }
                for option in options
                if option.category_id.name.casefold() not in taken
            ]
            item["Tracking"] = tracking[:2]

    @api.model
    def _xero_line_rate(self, connection, line):
        """The tax rate (%) Xero applies to the line: the organisation's rate of its TaxType when known (read
        with the tax mapping), else the Odoo tax's own percentage."""
        tax = line.tax_ids[:1]
        if not tax:
            return 0.0
        rate = self.env["xero.tax.rate"]._xero_rates(connection).get(tax.xero_tax_type)
        return rate.rate if rate else tax.amount

    @api.model
    def _xero_currency_rate(self, connection, move):
        """Odoo's rate of the invoice, as Xero's CurrencyRate (units of the invoice currency per 1 unit of the
        organisation's base currency), so that both ledgers convert it alike; None in the base currency."""
        base_name = connection.sudo().base_currency
        if not base_name or move.currency_id.name == base_name:
            return None
        if base_name == move.company_id.currency_id.name:
            return move.invoice_currency_rate  # the rate Odoo booked the invoice at
        base = self.env["res.currency"].with_context(active_test=False).search([("name", "=", base_name)], limit=1)
        if not base:
            return None  # Xero applies its own day rate (the currency warning said so before the push)
        day = move.invoice_date or fields.Date.context_today(move)
        return self.env["res.currency"]._get_conversion_rate(base, move.currency_id, move.company_id, day)

    @api.model
    def _xero_totals_problem(self, move, xero_totals):
        """Why Xero's totals of this invoice would not be Odoo's to the cent, or None."""
        _subtotal, tax, total = xero_totals
        currency = move.currency_id
        if not (
            currency.compare_amounts(float(total), move.amount_total)
            or currency.compare_amounts(float(tax), move.amount_tax)
        ):
            return None
        hint = ""
        if move.company_id.tax_calculation_rounding_method != "round_per_line":
            hint = " " + _(
                "Xero rounds the tax of each line: set Settings → Invoicing → Taxes → Rounding Method to “Round per"
                " Line”, then reset the invoice to draft and confirm it again."
            )
        return _(
            "%(invoice)s would not have the same totals at Xero: Odoo %(total)s (tax %(tax)s), Xero %(xero_total)s"
            " (tax %(xero_tax)s). It was not pushed.%(hint)s",
            invoice=move.display_name,
            total=format_amount(self.env, move.amount_total, currency),
            tax=format_amount(self.env, move.amount_tax, currency),
            xero_total=format_amount(self.env, float(total), currency),
            xero_tax=format_amount(self.env, float(tax), currency),
            hint=hint,
        )

    # -- credit notes pushed from Odoo ---------------------------------------------------------------
    @api.model
    def _xero_push_refunds_locked(self, connection, refunds):
        """Push Odoo credit notes of pushed invoices as ACCRECCREDIT, allocated to the Xero invoice;
        returns ``{refund: error or None}``. The refunds are locked by the caller."""
        try:
            with self.env["xero.service"]._xero_calls(connection) as client:
                report = self._xero_ensure_contacts(client, refunds)  # a client unlinked since its invoice was pushed
                report.update(
                    {
                        refund: self._xero_push_credit_note(connection, client, refund)
                        for refund in refunds
                        if refund not in report
                    }
                )
                return report
        except XeroError as error:
            return dict.fromkeys(refunds, str(error))

    @api.model
    def _xero_push_credit_note(self, connection, client, refund):
        """One credit note created (exactly once) and allocated in Xero; returns the error or None."""
        Attempts = self.env["xero.push.attempt"]
        invoice = refund.reversed_entry_id
        if problem := invoice._xero_organisation_problem(connection):
            return problem
        payload, error = self._xero_invoice_payload(connection, refund)
        if error:
            return error
        payload = dict(payload, Type="ACCRECCREDIT", Status="AUTHORISED")
        payload.pop("DueDate", None)
        if not refund.xero_invoice_id:
            nonce = Attempts._pending(refund).get(refund)
            found = None
            if nonce:  # an earlier attempt's outcome never came back: look before creating
                for page in client.iter_credit_note_pages(references=[refund.name]):
                    found = next((n for n in page if n.contact_id == payload["Contact"]["ContactID"]), found)
            else:
                nonce = secrets.token_hex(8)
                Attempts._record({refund.id: nonce})
            if not found:
                seed = json.dumps([refund.id, nonce, payload], sort_keys=True, default=str)
                key = hashlib.sha256(f"{self.env.cr.dbname}|credit|{seed}".encode()).hexdigest()[:64]
                found, errors, unknown = client.create_credit_note(payload, key)
                if not found:
                    error = _("Xero refused the credit note: %s", "; ".join(errors))
                    values = {"xero_push_error": error}
                    if not unknown:
                        values["xero_push_nonce"] = nonce
                    refund.write(values)
                    return error
            refund.write(
                {
                    "xero_invoice_id": found.credit_note_id,
                    "xero_invoice_number": found.number,
                    "xero_status": found.status,
                    "xero_pushed_at": fields.Datetime.now(),
                    "xero_push_error": False,
                    "xero_push_nonce": nonce,
                    "xero_allocated": any(i == invoice.xero_invoice_id for i, _a in found.allocations),
                }
            )
            refund._message_log(body=_("Pushed to Xero as credit note %s.", found.number))
            self._xero_store_totals({refund: found})
        return self._xero_allocate(client, refund, invoice)

    @api.model
    def _xero_allocate(self, client, refund, invoice):
        if refund.xero_allocated:
            return None
        [xero_invoice] = client.get_full_invoices([invoice.xero_invoice_id]) or [None]
        if xero_invoice is None or xero_invoice.status != "AUTHORISED" or xero_invoice.amount_due <= 0:
            error = _(
                "The credit note is in Xero but not allocated: %(invoice)s is %(status)s there, with nothing due.",
                invoice=invoice.xero_invoice_number,
                status=xero_invoice.status if xero_invoice else _("gone"),
            )
            refund.xero_push_error = error
            return error
        amount = min(refund.amount_total, xero_invoice.amount_due)
        key = hashlib.sha256(
            f"{self.env.cr.dbname}|allocate|{refund.xero_invoice_id}|{invoice.xero_invoice_id}|{amount}".encode()
        ).hexdigest()[:64]
        try:
            client.allocate_credit_note(
                refund.xero_invoice_id, invoice.xero_invoice_id, amount, refund.invoice_date or fields.Date.today(), key
            )
        except XeroError as error:
            message = _(
                "The credit note is in Xero but not allocated to %(invoice)s: %(error)s",
                invoice=invoice.xero_invoice_number,
                error=error,
            )
            refund.xero_push_error = message
            return message
        refund.write({"xero_allocated": True, "xero_push_error": False})
        self.env["xero.money"]._xero_reconcile(invoice, refund)
        return None

    # -- the time behind the invoice -----------------------------------------------------------------
    @api.model
    def _xero_attach_timesheets(self, client, moves, notify=True):
        """Attach each invoice's timesheet PDF (IncludeOnline). Never fails the push: when the PDF cannot be made
        or Xero refuses it, the invoice stays pushed and ``xero_timesheets_attached`` False, the hourly pull and
        the next Push to Xero retry it, and ``notify`` notes why in the invoice's chatter (the accountant's pushes
        do; the hourly retries only log, not a note every hour)."""
        failed = {}
        for move in moves.filtered(lambda m: m.xero_timesheet_count and not m.xero_timesheets_attached):
            name = const.TIMESHEET_ATTACHMENT_NAME.format(number=(move.name or str(move.id)).replace("/", "-"))
            content = self._xero_timesheet_pdf(move)
            if content is None:
                failed[move] = _("the PDF could not be made (see the server log)")
            else:
                try:
                    client.attach_to_invoice(move.xero_invoice_id, name, content, include_online=True)
                except XeroError as error:
                    failed[move] = str(error)
                else:
                    move.xero_timesheets_attached = True
                    continue
            _logger.warning("Timesheets of invoice %s not attached in Xero: %s", move.id, failed[move])
            if notify:
                move._message_log(
                    body=_(
                        "The timesheet PDF is not attached in Xero yet (%s). It is retried hourly and at the next"
                        " Push to Xero.",
                        failed[move],
                    )
                )

    @api.model
    def _xero_retry_attachments(self, client, company):
        moves = self.env["account.move"].search(
            [
                ("company_id", "=", company.id),
                ("move_type", "=", "out_invoice"),
                ("xero_invoice_id", "!=", False),
                ("xero_status", "not in", GONE_STATUSES),
                ("xero_timesheets_attached", "=", False),
                ("xero_revenue_account_code", "!=", False),  # invoiced from time
                ("xero_tenant_id", "=", client.tenant_id),
            ],
            limit=ATTACH_RETRY_BATCH,
        )
        self._xero_attach_timesheets(client, moves, notify=False)

    @api.model
    def _xero_retry_attachments_of(self, moves):
        """Push to Xero on invoices already in Xero (live): attach the timesheet PDFs that are still missing."""
        missing = moves.filtered(lambda m: m.move_type == "out_invoice" and not m.xero_timesheets_attached)
        for company, company_moves in missing.grouped("company_id").items():
            try:
                client = self.env["xero.service"]._xero_client(self._xero_connection(company))
            except (UserError, XeroError):
                continue  # not connected: nothing to attach it with
            self._xero_attach_timesheets(
                client, company_moves.filtered(lambda m, t=client.tenant_id: m.xero_tenant_id in (False, t))
            )

    @api.model
    def _xero_timesheet_pdf(self, move):
        """The invoiced timesheets as a PDF, or None when no renderer could make it (logged): the QWeb report
        when Odoo found wkhtmltopdf, else a plain reportlab table. Both show every text as text (escaped), so
        no text makes them fetch an URL or draw a link; wkhtmltopdf loads only the report's own assets from
        Odoo (``report.url``), as for every Odoo report."""
        move.ensure_one()
        renderers = [("reportlab", self._xero_timesheet_pdf_plain)]
        if self.env["ir.actions.report"].get_wkhtmltopdf_state() == "ok":
            renderers.insert(0, ("wkhtmltopdf", self._xero_timesheet_pdf_qweb))
        for renderer, render in renderers:
            try:
                with self.env.cr.savepoint():
                    content = render(move)
            except Exception:  # a renderer's failure (any library error) must not fail the push
                _logger.exception("The timesheet PDF of invoice %s failed in %s", move.id, renderer)
                continue
            if isinstance(content, bytes) and content.startswith(b"%PDF-"):  # Odoo renders HTML in tests
                return content
        return None

    @api.model
    def _xero_timesheet_pdf_qweb(self, move):
        report = self.env.ref("xero_timesync.action_report_xero_timesheets")
        return self.env["ir.actions.report"].sudo()._render_qweb_pdf(report, move.ids)[0]

    @api.model
    def _xero_timesheet_pdf_plain(self, move):
        from io import BytesIO  # noqa: PLC0415 (only without wkhtmltopdf)
        from xml.sax.saxutils import escape  # noqa: PLC0415

        from reportlab.lib import colors  # noqa: PLC0415
        from reportlab.lib.pagesizes import A4, landscape  # noqa: PLC0415
        from reportlab.lib.styles import getSampleStyleSheet  # noqa: PLC0415
        from reportlab.platypus import Paragraph, SimpleDocTemplate, Table, TableStyle  # noqa: PLC0415

        styles = getSampleStyleSheet()

        def text(value, style="BodyText"):
            # Paragraph reads markup (<img> fetches, <a> links): every text is escaped into plain text
            return Paragraph(escape(value), styles[style])

        move_sudo = move.sudo()  # the push's own PDF (a Settings administrator may push)
        sections = move_sudo._xero_timesheet_sections()
        hmm = move_sudo._xero_hmm
        tracked = any(row["tracked"] is not None for section in sections for row in section["rows"])
        header = [_("Date"), _("Employee"), _("Task"), _("Description")]
        header += [_("Tracked"), _("Billed")] if tracked else [_("Billed")]
        data, bold = [header], [0]
        for section in sections:
            bold.append(len(data))
            data.append(["", "", "", text(section["name"])] + ([""] if tracked else []) + [hmm(section["hours"])])
            for row in section["rows"]:
                cells = [row["date"], text(row["employee"]), text(row["task"]), text(row["description"])]
                if tracked:
                    cells.append(hmm(row["tracked"]) if row["tracked"] is not None else "")
                data.append([*cells, hmm(row["billed"])])
        total = hmm(sum(section["hours"] for section in sections))
        data.append(["", "", "", _("Total billed")] + ([""] if tracked else []) + [total])
        widths = [70, 110, 150, 300, 50, 50] if tracked else [70, 110, 170, 330, 50]
        table = Table(data, colWidths=widths, repeatRows=1)
        table.setStyle(
            TableStyle(
                [("FONTNAME", (0, index), (-1, index), "Helvetica-Bold") for index in bold]
                + [
                    ("LINEBELOW", (0, 0), (-1, 0), 0.5, colors.black),
                    ("LINEABOVE", (0, -1), (-1, -1), 0.5, colors.black),
                    ("ALIGN", (4, 0), (-1, -1), "RIGHT"),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ]
            )
        )
        title = _("Timesheets of %(invoice)s — %(client)s", invoice=move.name, client=move.partner_id.display_name)
        buffer = BytesIO()
        SimpleDocTemplate(buffer, pagesize=landscape(A4), title=title).build([text(title, "Heading2"), table])
        return buffer.getvalue()

    # -- lookup and cancel at Xero ---------------------------------------------------------------
    @api.model
    def _xero_online_invoice_url(self, move):
        """The customer's online invoice at Xero (Xero has none for drafts); refuses with why when none."""
        move.ensure_one()
        if not move.xero_invoice_id or move.xero_status in ("DRAFT", "DELETED", "VOIDED"):
            raise UserError(_("Xero shows online invoices once they are approved (not drafts, voided or deleted)."))
        connection = self._xero_connection(move.company_id)
        try:
            with self.env["xero.service"]._xero_calls(connection) as client:
                url = client.online_invoice_url(move.xero_invoice_id)
        except XeroError as error:
            raise UserError(
                _("Xero has no online invoice for %(invoice)s: %(error)s", invoice=move.name, error=error)
            ) from None
        if not url:
            raise UserError(_("Xero has no online invoice for %s.", move.name))
        return url

    @api.model
    def _xero_cancel_each(self, moves):
        """Cancel each invoice here and at Xero together (deleted if a Xero draft, voided if authorised).
        Returns ``{move: why}`` for those that stay posted here and unchanged at Xero; the others are cancelled
        in both ledgers, whatever happens to the refused ones."""
        refused = {}
        for company, company_moves in moves.grouped("company_id").items():
            try:
                connection = self._xero_connection(company)
                for move in company_moves:
                    if problem := move._xero_organisation_problem(connection):
                        refused[move] = problem
                company_moves = company_moves.filtered(lambda m: m not in refused)
                with self.env["xero.service"]._xero_calls(connection) as client:
                    current = self._xero_current_invoices(client, company_moves)
                    for move in company_moves:
                        if why := self._xero_cancel_refused(client, move, current.get(move.xero_invoice_id)):
                            refused[move] = why
            except (XeroError, UserError) as error:  # not connected, Xero unread, or the grant refused: the rest stay
                rest = company_moves.filtered(lambda m: m not in refused and m.state != "cancel")
                refused.update(dict.fromkeys(rest, str(error)))
        return refused

    @api.model
    def _xero_cancel_refused(self, client, move, invoice):
        """Cancel one invoice in both ledgers; returns why not, or None. A grant Xero refuses stops them all."""
        try:
            self._xero_cancel_one(client, move, invoice)
        except XeroAuthError:
            raise
        except XeroError as error:
            return _(
                "Xero refused to void or delete it: %s. Fix it in Xero (e.g. remove its payments) and cancel again.",
                error,
            )
        except UserError as error:  # Odoo refused its cancel, or the invoice is paid at Xero
            return str(error)
        except Exception:  # the others are already voided at Xero: their Odoo cancel must be kept
            _logger.exception("Cancel of invoice %s failed", move.id)
            return _("An unexpected error stopped it (see the server log); check its status in Xero.")
        return None

    @api.model
    def _xero_current_invoices(self, client, moves):
        """``{InvoiceID: XeroInvoice}`` as Xero has them now (an invoice missing there is gone)."""
        current = {}
        for batch in iter_batches(moves, 50):
            for invoice in client.get_invoices(ids=[m.xero_invoice_id for m in batch])[0]:
                current[invoice.invoice_id] = invoice
        return current

    @api.model
    def _xero_cancel_one(self, client, move, invoice):
        """One invoice, both ledgers or neither: raises (and undoes Odoo's change) when either refuses."""
        status = invoice.status if invoice else "DELETED"
        if status == "PAID":
            raise UserError(
                _(
                    "%(invoice)s is paid in Xero (%(number)s). Remove its payments in Xero, then cancel it here again.",
                    invoice=move.display_name,
                    number=move.xero_invoice_number,
                )
            )
        # Odoo's change first and flushed, Xero's call last in the savepoint: once Xero voided, nothing of this
        # invoice can still fail and roll Odoo back (only the status write below follows)
        with self.env.cr.savepoint():
            move._xero_cancel_here()
            self.env.flush_all()
            if status not in GONE_STATUSES:
                target = "VOIDED" if status == "AUTHORISED" else "DELETED"
                status = client.update_invoice_status(move.xero_invoice_id, target).status or target
            move.write({"xero_status": status})
            move._message_log(
                body=_("Cancelled: the invoice is %(status)s in Xero.", status=move._xero_status_label(status))
            )

    # -- status back -----------------------------------------------------------------------------
    @api.model
    def _cron_xero_pull_invoice_status(self):
        """Hourly safety net: every connected organisation has its invoice-status and money jobs (``xero.job``),
        and those that have not run for an interval, or must continue, are woken."""
        self.env["xero.job"]._xero_wake_due(("money", "invoices"))

    @api.model
    def _xero_pull_status(self, job, client, log):
        """The statuses of the organisation's pushed invoices changed since the job's watermark, a page at a time
        (``log.statuses_count``). Returns False when the job must yield: the next turn continues from the page
        it stopped at."""
        Move = self.env["account.move"]
        connection = job.connection_id
        pushed_domain = [
            ("company_id", "=", connection.company_id.id),
            ("xero_invoice_id", "!=", False),
            ("xero_tenant_id", "=", connection.tenant_id),  # another organisation's are not this one's to judge
        ]
        if job.resume_page:
            since, started, page = job.resume_since, job.resume_started, job.resume_page
        else:
            started, page = fields.Datetime.now(), 1
            since = job.watermark
            if not since:
                first = Move.search(pushed_domain, order="xero_pushed_at", limit=1)
                since = first.xero_pushed_at
            if not since:
                return True  # nothing pushed to this organisation yet
            since -= timedelta(seconds=const.SYNC_OVERLAP_SECONDS)
        while True:
            invoices, more = client.get_invoices(modified_since=since, page=page)
            by_id = {invoice.invoice_id: invoice for invoice in invoices}
            moves = Move.search([*pushed_domain, ("xero_invoice_id", "in", list(by_id))])
            status_of = {move: by_id[move.xero_invoice_id].status for move in moves}
            changed = moves.filtered(lambda m, status_of=status_of: m.xero_status != status_of[m])
            for status, group in changed.grouped(status_of.get).items():
                group.write({"xero_status": status})
            self.env["xero.invoice.void"]._xero_record_gone(moves, by_id)
            self.env["xero.ledger"]._xero_compare_documents(connection, moves, by_id)
            log.write({"statuses_count": log.statuses_count + len(changed), "pages": log.pages + 1})
            if not more:
                break
            page += 1
            job.write({"resume_since": since, "resume_started": started, "resume_page": page})
            if job._xero_must_yield(log, len(invoices)):
                return False
        job.write({"watermark": started, "resume_page": 0, "resume_since": False, "resume_started": False})
        return True
