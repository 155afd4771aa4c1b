"""Control-API operations for contact groups, merges, the high-volume threshold, payments, credit
notes, attachments and tracking categories (routes under ``/_sandbox/tenants/<tenant_id>/``).

Handlers take ``(sandbox, request, body, **route arguments)`` and return JSON-able values.
"""

import copy

from werkzeug.routing import Rule

from . import control_payroll, creditnotes, groups, payments
from .core import SandboxError
from .events import notify
from .invoices import BatchState, build_invoice
from .merges import merge_contact


def rules(prefix: str) -> list:
    return _rules(prefix) + control_payroll.rules(prefix)


def _rules(prefix: str) -> list:
    tenant = f"{prefix}/tenants/<tenant_id>"
    return [
        Rule(f"{tenant}/contacts/<contact_id>/merge", endpoint="control:merge_contact", methods=["POST"]),
        Rule(f"{tenant}/contact-groups", endpoint="control:contact_groups", methods=["GET", "POST"]),
        Rule(f"{tenant}/contact-groups/<group_id>/members", endpoint="control:group_members", methods=["POST"]),
        Rule(f"{tenant}/high-volume", endpoint="control:high_volume", methods=["GET", "POST"]),
        Rule(f"{tenant}/payments", endpoint="control:payments", methods=["GET"]),
        Rule(f"{tenant}/invoices/<invoice_id>/payments", endpoint="control:record_payment", methods=["POST"]),
        Rule(f"{tenant}/payments/<payment_id>/delete", endpoint="control:delete_payment", methods=["POST"]),
        Rule(f"{tenant}/credit-notes", endpoint="control:credit_notes", methods=["GET"]),
        Rule(f"{tenant}/invoices/<invoice_id>/credit-notes", endpoint="control:create_credit_note", methods=["POST"]),
        Rule(f"{tenant}/invoices/<invoice_id>/status", endpoint="control:set_invoice_status", methods=["POST"]),
        Rule(
            f"{tenant}/credit-notes/<credit_note_id>/status",
            endpoint="control:set_credit_note_status",
            methods=["POST"],
        ),
        Rule(f"{tenant}/tracking-categories", endpoint="control:tracking_categories", methods=["GET"]),
        Rule(f"{tenant}/branding-themes", endpoint="control:branding_themes", methods=["GET"]),
        Rule(f"{tenant}/tracking-status", endpoint="control:tracking_status", methods=["POST"]),
        Rule(f"{tenant}/tax-rates", endpoint="control:add_tax_rate", methods=["POST"]),
    ]


def _tenant(sandbox, tenant_id):
    return sandbox.tenant_or_fail(tenant_id)


def merge_contact_handler(sandbox, request, body, tenant_id, contact_id):
    return merge_contact(sandbox, tenant_id, contact_id, body["into_id"])


def contact_groups(sandbox, request, body, tenant_id):
    tenant = _tenant(sandbox, tenant_id)
    with sandbox.store.lock:
        if request.method == "POST":
            problem = groups.name_problem(tenant, body.get("name"))
            if problem:
                raise SandboxError(problem)
            group = groups.create_group(tenant, body["name"])
            groups.add_members(tenant, group["ContactGroupID"], _existing_contacts(tenant, body.get("contact_ids")))
            return groups.group_with_contacts(tenant, group)
        return [copy.deepcopy(groups.group_with_contacts(tenant, g)) for g in tenant.contact_groups.values()]


def group_members(sandbox, request, body, tenant_id, group_id):
    tenant = _tenant(sandbox, tenant_id)
    with sandbox.store.lock:
        group = tenant.contact_groups.get(group_id.lower())
        if group is None:
            raise SandboxError(f"unknown contact group {group_id!r}", status=404)
        if body.get("add") and group["Status"] != "ACTIVE":
            raise SandboxError("the contact group is deleted")
        groups.add_members(tenant, group["ContactGroupID"], _existing_contacts(tenant, body.get("add")))
        groups.remove_members(tenant, group["ContactGroupID"], _existing_contacts(tenant, body.get("remove")))
        return groups.group_with_contacts(tenant, group)


def high_volume(sandbox, request, body, tenant_id):
    tenant = _tenant(sandbox, tenant_id)
    if request.method == "POST":
        tenant.high_volume_threshold = int(body["threshold"])
    return {"threshold": tenant.high_volume_threshold, "contacts": len(tenant.contacts)}


def payments_handler(sandbox, request, body, tenant_id):
    tenant = _tenant(sandbox, tenant_id)
    with sandbox.store.lock:
        return copy.deepcopy(list(tenant.payments.values()))


def record_payment(sandbox, request, body, tenant_id, invoice_id):
    """A payment made at Xero; ``amount`` defaults to the whole amount due, ``account_code`` to 090."""
    tenant = _tenant(sandbox, tenant_id)
    with sandbox.store.lock:
        invoice = tenant.find_invoice(invoice_id)
        if invoice is None:
            raise SandboxError(f"unknown invoice {invoice_id!r}", status=404)
        element = {
            "Invoice": {"InvoiceID": invoice["InvoiceID"]},
            "Account": {"Code": body.get("account_code") or "090"},
            "Amount": body.get("amount") if body.get("amount") is not None else invoice["AmountDue"],
            "Date": body.get("date"),
            "Reference": body.get("reference") or "",
        }
        try:
            payment = payments.apply_payment(sandbox, tenant, payments.build_payment(tenant, element, _now(sandbox)))
        except payments.PaymentProblem as exc:
            raise SandboxError(str(exc)) from None
        result = copy.deepcopy(payment)
    notify(sandbox, tenant, "INVOICE", invoice["InvoiceID"], "UPDATE")
    return result


def delete_payment(sandbox, request, body, tenant_id, payment_id):
    tenant = _tenant(sandbox, tenant_id)
    with sandbox.store.lock:
        try:
            deleted = payments.delete_payment(sandbox, tenant, payment_id)
        except KeyError:
            raise SandboxError(f"unknown payment {payment_id!r}", status=404) from None
        except payments.PaymentProblem as exc:
            raise SandboxError(str(exc)) from None
        result = copy.deepcopy(deleted)
    notify(sandbox, tenant, "INVOICE", deleted["Invoice"]["InvoiceID"], "UPDATE")
    return result


def credit_notes_handler(sandbox, request, body, tenant_id):
    tenant = _tenant(sandbox, tenant_id)
    with sandbox.store.lock:
        return copy.deepcopy(list(tenant.credit_notes.values()))


def create_credit_note(sandbox, request, body, tenant_id, invoice_id):
    """An AUTHORISED credit note made at Xero for an invoice's contact, tax-inclusive ``amount``
    (default: the amount due) on the invoice's first line's account and tax type, allocated to the
    invoice unless ``allocate`` is false."""
    tenant = _tenant(sandbox, tenant_id)
    with sandbox.store.lock:
        invoice = tenant.find_invoice(invoice_id)
        if invoice is None:
            raise SandboxError(f"unknown invoice {invoice_id!r}", status=404)
        if invoice["Type"] != "ACCREC":
            raise SandboxError("credit notes are made for ACCREC invoices here")
        first = (invoice.get("LineItems") or [{}])[0]
        amount = body.get("amount") if body.get("amount") is not None else invoice["AmountDue"]
        element = {
            "Type": "ACCRECCREDIT",
            "Contact": {"ContactID": invoice["Contact"]["ContactID"]},
            "Status": "AUTHORISED",
            "CurrencyCode": invoice["CurrencyCode"],
            "Reference": body.get("reference") or f"Credit for {invoice['InvoiceNumber']}",
            "LineAmountTypes": "Inclusive",
            "LineItems": [
                {
                    "Description": body.get("description") or f"Credit for {invoice['InvoiceNumber']}",
                    "Quantity": 1,
                    "UnitAmount": amount,
                    "AccountCode": first.get("AccountCode") or "200",
                    "TaxType": first.get("TaxType") or "OUTPUT2",
                }
            ],
        }
        if body.get("date"):
            element["Date"] = body["date"]
        now = _now(sandbox)
        credit_note, contact, problems = creditnotes.build_credit_note(tenant, element, None, now, 2, set())
        if problems:
            raise SandboxError("; ".join(problems))
        creditnotes.save_credit_note(sandbox, tenant, credit_note, contact)
        allocation = None
        if body.get("allocate", True):
            try:
                allocation = creditnotes.allocate(
                    sandbox,
                    tenant,
                    credit_note["CreditNoteID"],
                    {"Invoice": {"InvoiceID": invoice["InvoiceID"]}, "Amount": amount, "Date": body.get("date")},
                    now,
                )
            except creditnotes.CreditProblem as exc:
                raise SandboxError(str(exc)) from None
        result = {
            "credit_note": copy.deepcopy(tenant.credit_notes[credit_note["CreditNoteID"]]),
            "allocation": copy.deepcopy(allocation),
        }
    notify(sandbox, tenant, "CREDITNOTE", credit_note["CreditNoteID"], "CREATE")
    if allocation is not None:
        notify(sandbox, tenant, "INVOICE", invoice["InvoiceID"], "UPDATE")
    return result


def set_invoice_status(sandbox, request, body, tenant_id, invoice_id):
    """The organisation voids or deletes an invoice at Xero (``status``: VOIDED or DELETED), by Xero's rules for
    ``POST /Invoices/{id}``: a draft is deleted, an authorised invoice voided, and one with payments refused."""
    tenant = _tenant(sandbox, tenant_id)
    status = _gone_status(body)
    with sandbox.store.lock:
        invoice = tenant.find_invoice(invoice_id)
        if invoice is None:
            raise SandboxError(f"unknown invoice {invoice_id!r}", status=404)
        outcome = build_invoice(tenant, {"Status": status}, invoice, sandbox.clock.tick_ms(), 4, BatchState())
        if outcome.errors:
            raise SandboxError("; ".join(outcome.errors))
        tenant.invoices[outcome.invoice["InvoiceID"]] = outcome.invoice
        result = copy.deepcopy(outcome.invoice)
    notify(sandbox, tenant, "INVOICE", result["InvoiceID"], "UPDATE")
    return result


def set_credit_note_status(sandbox, request, body, tenant_id, credit_note_id):
    """The organisation voids or deletes a credit note at Xero, by Xero's rules for ``POST /CreditNotes/{id}``:
    one with allocations is refused (remove them first)."""
    tenant = _tenant(sandbox, tenant_id)
    status = _gone_status(body)
    with sandbox.store.lock:
        existing = creditnotes.find_credit_note(tenant, credit_note_id)
        if existing is None:
            raise SandboxError(f"unknown credit note {credit_note_id!r}", status=404)
        now = sandbox.clock.tick_ms()
        credit_note, _contact, problems = creditnotes.build_credit_note(
            tenant, {"Status": status}, existing, now, 4, set()
        )
        if problems:
            raise SandboxError("; ".join(problems))
        creditnotes.save_credit_note(sandbox, tenant, credit_note, None)
        result = copy.deepcopy(credit_note)
    notify(sandbox, tenant, "CREDITNOTE", result["CreditNoteID"], "UPDATE")
    return result


def _gone_status(body):
    status = body.get("status")
    if status not in ("VOIDED", "DELETED"):
        raise SandboxError("status must be VOIDED or DELETED")
    return status


def tracking_categories_handler(sandbox, request, body, tenant_id):
    tenant = _tenant(sandbox, tenant_id)
    with sandbox.store.lock:
        return copy.deepcopy(tenant.tracking_categories)


def branding_themes_handler(sandbox, request, body, tenant_id):
    tenant = sandbox.tenant_or_fail(tenant_id)
    with sandbox.store.lock:
        return copy.deepcopy(tenant.branding_themes)


def tracking_status(sandbox, request, body, tenant_id):
    """Archive or restore a tracking category, or one of its options, at Xero (by name)."""
    tenant = _tenant(sandbox, tenant_id)
    status = body.get("status") or "ARCHIVED"
    if status not in ("ACTIVE", "ARCHIVED"):
        raise SandboxError("status must be ACTIVE or ARCHIVED")
    wanted = str(body.get("category", "")).casefold()
    with sandbox.store.lock:
        for category in tenant.tracking_categories:
            if category["Name"].casefold() != wanted:
                continue
            if not body.get("option"):
                category["Status"] = status
                return copy.deepcopy(category)
            for option in category["Options"]:
                if option["Name"].casefold() == str(body["option"]).casefold():
                    option["Status"] = status
                    return copy.deepcopy(category)
        raise SandboxError(
            f"unknown tracking category or option {body.get('category')!r} / {body.get('option')!r}", status=404
        )


def _now(sandbox) -> int:
    return sandbox.clock.now_ms()


def _existing_contacts(tenant, contact_ids) -> list:
    ids = [str(contact_id).lower() for contact_id in contact_ids or []]
    for contact_id in ids:
        if contact_id not in tenant.contacts:
            raise SandboxError(f"unknown contact {contact_id!r}", status=404)
    return ids


def add_tax_rate(sandbox, request, body, tenant_id):
    """A sales tax rate added to the organisation (as in Xero → Tax rates → New); reset() removes it."""
    tenant = _tenant(sandbox, tenant_id)
    tax_type, rate = body.get("tax_type"), float(body.get("rate") or 0)
    if not tax_type or tax_type in tenant.tax_rates_by_type:
        raise SandboxError(f"tax type {tax_type!r} is missing or exists")
    record = {
        "Name": body.get("name") or f"{rate:g}% {tax_type}",
        "TaxType": tax_type,
        "TaxComponents": [{"Name": "Tax", "Rate": rate, "IsCompound": False, "IsNonRecoverable": False}],
        "Status": "ACTIVE",
        "ReportTaxType": "OUTPUT",
        "CanApplyToAssets": False,
        "CanApplyToEquity": False,
        "CanApplyToExpenses": False,
        "CanApplyToLiabilities": False,
        "CanApplyToRevenue": True,
        "DisplayTaxRate": rate,
        "EffectiveRate": rate,
    }
    with sandbox.store.lock:
        tenant.tax_rates.append(record)
        tenant.tax_rates_by_type[tax_type] = record
    return copy.deepcopy(record)


HANDLERS = {
    "add_tax_rate": add_tax_rate,
    "merge_contact": merge_contact_handler,
    "contact_groups": contact_groups,
    "group_members": group_members,
    "high_volume": high_volume,
    "payments": payments_handler,
    "record_payment": record_payment,
    "delete_payment": delete_payment,
    "credit_notes": credit_notes_handler,
    "create_credit_note": create_credit_note,
    "set_invoice_status": set_invoice_status,
    "set_credit_note_status": set_credit_note_status,
    "tracking_categories": tracking_categories_handler,
    "tracking_status": tracking_status,
    "branding_themes": branding_themes_handler,
}
HANDLERS.update(control_payroll.HANDLERS)
