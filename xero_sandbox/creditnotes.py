"""CreditNotes: PUT (create) / POST (create or update) /CreditNotes, POST /CreditNotes/{id}, GET
/CreditNotes (If-Modified-Since, where, order, page) and by id or number, PUT
/CreditNotes/{id}/Allocations (allocate to an invoice).

A credit note is validated and totalled by the invoice rules (``invoices.build_invoice`` on the
matching invoice type; no DueDate needed). ACCRECCREDIT numbers are ``CN-0001``... An allocation
needs an AUTHORISED credit note and invoice of the same side (ACCRECCREDIT -> ACCREC), contact and
currency, for at most the remaining credit and the amount due: the credit note's RemainingCredit
drops (PAID at 0), the invoice's AmountCredited rises, AmountDue drops (PAID at 0) and the credit
note is listed in the invoice's CreditNotes. Idempotency-Key is honoured by the gateway. Auto
webhooks send CREDITNOTE CREATE/UPDATE (with data {Type, Status}) and INVOICE UPDATE.
"""

import datetime as dt
import uuid
from decimal import Decimal

from werkzeug.routing import Rule

from . import errors
from .accounting import API_PREFIX, _collection, list_paged, register
from .contacts import truthy
from .events import notify
from .formats import UTC, ms_date, parse_document_date
from .invoices import BatchState, attach_contact, build_invoice
from .payments import invoice_ref, money, settle, stamp

CREDIT_READ = frozenset(
    ("accounting.transactions", "accounting.transactions.read", "accounting.invoices", "accounting.invoices.read")
)
CREDIT_WRITE = frozenset(("accounting.transactions", "accounting.invoices"))
CREDIT_TYPES = {"ACCRECCREDIT": "ACCREC", "ACCPAYCREDIT": "ACCPAY"}
CREDIT_NOTE_FIELDS = frozenset(
    (
        "Type", "Contact", "Date", "DueDate", "Status", "LineAmountTypes", "LineItems", "SubTotal", "TotalTax",
        "Total", "UpdatedDateUTC", "CurrencyCode", "FullyPaidOnDate", "CreditNoteID", "CreditNoteNumber",
        "Reference", "SentToContact", "CurrencyRate", "RemainingCredit", "Allocations", "AppliedAmount",
        "Payments", "HasAttachments",
    )
)  # fmt: skip
CREDIT_NOTE_ORDER_FIELDS = {name.lower(): name for name in CREDIT_NOTE_FIELDS}
_CARRIED = (
    "Reference", "Contact", "DateString", "Date", "Status", "LineAmountTypes", "LineItems", "SubTotal", "TotalTax",
    "Total", "UpdatedDateUTC", "UpdatedDateUTCString", "CurrencyCode", "CurrencyRate",
)  # fmt: skip


class CreditProblem(ValueError):
    pass


def rules() -> list:
    api = API_PREFIX
    return [
        Rule(f"{api}/CreditNotes", endpoint="api:credit_notes", methods=["GET"]),
        Rule(f"{api}/CreditNotes", endpoint="api:credit_notes_put", methods=["PUT"]),
        Rule(f"{api}/CreditNotes", endpoint="api:credit_notes_post", methods=["POST"]),
        Rule(f"{api}/CreditNotes/<credit_note_id>", endpoint="api:credit_note", methods=["GET"]),
        Rule(f"{api}/CreditNotes/<credit_note_id>", endpoint="api:credit_note_post", methods=["POST"]),
        Rule(f"{api}/CreditNotes/<credit_note_id>/Allocations", endpoint="api:credit_note_allocate", methods=["PUT"]),
    ]


def find_credit_note(tenant, id_or_number: str):
    credit_note = tenant.credit_notes.get(id_or_number.lower())
    if credit_note is not None:
        return credit_note
    return next((c for c in tenant.credit_notes.values() if c["CreditNoteNumber"] == id_or_number), None)


def _as_invoice(credit_note: dict) -> dict:
    invoice = {key: credit_note[key] for key in _CARRIED if key in credit_note}
    invoice.update(
        Type=CREDIT_TYPES[credit_note["Type"]],
        InvoiceID=credit_note["CreditNoteID"],
        InvoiceNumber="",
        AmountPaid=float(money(credit_note["Total"]) - money(credit_note["RemainingCredit"])),
        DueDate=credit_note["Date"],
    )
    return invoice


def build_credit_note(tenant, element: dict, existing, now_ms: int, unitdp: int, batch_numbers: set):
    """(credit note, contact to create, problems)."""
    credit_type = element.get("Type") or (existing["Type"] if existing else None)
    if credit_type not in CREDIT_TYPES:
        return None, None, [f"Credit note Type '{credit_type}' is not valid." if credit_type else "Type is required."]
    as_invoice = {k: v for k, v in element.items() if k not in ("CreditNoteID", "CreditNoteNumber", "Allocations")}
    as_invoice["Type"] = CREDIT_TYPES[credit_type]
    if not as_invoice.get("DueDate") and existing is None:
        as_invoice["DueDate"] = (
            as_invoice.get("Date") or dt.datetime.fromtimestamp(now_ms / 1000, UTC).date().isoformat()
        )
    outcome = build_invoice(
        tenant, as_invoice, _as_invoice(existing) if existing else None, now_ms, unitdp, BatchState()
    )
    problems = list(outcome.errors)
    number = element.get("CreditNoteNumber") or (existing["CreditNoteNumber"] if existing else "")
    if number and credit_type == "ACCRECCREDIT":
        taken = any(
            c["CreditNoteNumber"] == number and c["Type"] == credit_type and (not existing or c is not existing)
            for c in tenant.credit_notes.values()
        )
        if taken or number in batch_numbers:
            problems.append("Credit Note Number must be unique.")
    if problems:
        return None, None, problems
    invoice = outcome.invoice
    allocated = money(existing["Total"]) - money(existing["RemainingCredit"]) if existing else Decimal(0)
    credit_note = {key: invoice[key] for key in _CARRIED if key in invoice}
    credit_note.update(
        Type=credit_type,
        CreditNoteID=existing["CreditNoteID"] if existing else str(uuid.uuid4()),
        CreditNoteNumber=number,
        RemainingCredit=float(money(invoice["Total"]) - allocated),
        Allocations=list(existing["Allocations"]) if existing else [],
        Payments=[],
        HasAttachments=False,
        HasErrors=False,
        SentToContact=False,
    )
    if element.get("DueDate") or (existing and existing.get("DueDate")):
        credit_note["DueDate"] = invoice["DueDate"]
    if number:
        batch_numbers.add(number)
    return credit_note, outcome.contact_to_create, []


def save_credit_note(sandbox, tenant, credit_note: dict, contact_to_create) -> str:
    """Store it (numbering ACCREC credit notes); returns the webhook event type."""
    if contact_to_create is not None:
        attach_contact(credit_note, sandbox.save_contact(tenant, contact_to_create, None).data)
    if not credit_note["CreditNoteNumber"] and credit_note["Type"] == "ACCRECCREDIT":
        while True:
            number = f"CN-{tenant.next_credit_note_number:04d}"
            tenant.next_credit_note_number += 1
            if not any(c["CreditNoteNumber"] == number for c in tenant.credit_notes.values()):
                break
        credit_note["CreditNoteNumber"] = number
    event = "UPDATE" if credit_note["CreditNoteID"] in tenant.credit_notes else "CREATE"
    tenant.credit_notes[credit_note["CreditNoteID"]] = credit_note
    sandbox.mark_contact_role(tenant, {"Type": CREDIT_TYPES[credit_note["Type"]], "Contact": credit_note["Contact"]})
    return event


def allocate(sandbox, tenant, credit_note_id: str, element: dict, now_ms: int) -> dict:
    """Allocate part of a credit note to an invoice (caller holds store.lock); raises CreditProblem."""
    credit_note = find_credit_note(tenant, credit_note_id)
    if credit_note is None:
        raise KeyError(credit_note_id)
    target = element.get("Invoice") or {}
    key = target.get("InvoiceID") or target.get("InvoiceNumber")
    invoice = tenant.find_invoice(str(key)) if key else None
    if invoice is None:
        raise CreditProblem("Invoice could not be found")
    problems, amount, day = _allocation_problems(credit_note, invoice, element, now_ms)
    if problems:
        raise CreditProblem("\n".join(problems))
    allocation = {
        "AllocationID": str(uuid.uuid4()),
        "Amount": float(amount),
        "Date": ms_date(day),
        "Invoice": invoice_ref(invoice),
        "IsDeleted": False,
    }
    remaining = money(credit_note["RemainingCredit"]) - amount
    updated_note = dict(credit_note, RemainingCredit=float(remaining))
    updated_note["Allocations"] = list(credit_note["Allocations"]) + [allocation]
    if remaining == 0:
        updated_note.update(Status="PAID", FullyPaidOnDate=ms_date(day))
    stamp(updated_note, sandbox.clock.tick_ms())
    tenant.credit_notes[updated_note["CreditNoteID"]] = updated_note
    updated_invoice = settle(invoice, Decimal(0), amount, day)
    updated_invoice["CreditNotes"] = list(invoice.get("CreditNotes") or []) + [
        {
            "CreditNoteID": credit_note["CreditNoteID"],
            "CreditNoteNumber": credit_note["CreditNoteNumber"],
            "Type": credit_note["Type"],
            "Date": credit_note["Date"],
            "Total": credit_note["Total"],
            "AppliedAmount": float(amount),
            "HasErrors": False,
        }
    ]
    stamp(updated_invoice, sandbox.clock.tick_ms())
    tenant.invoices[updated_invoice["InvoiceID"]] = updated_invoice
    return dict(
        allocation,
        CreditNote={"CreditNoteID": credit_note["CreditNoteID"], "CreditNoteNumber": credit_note["CreditNoteNumber"]},
    )


def _allocation_problems(credit_note: dict, invoice: dict, element: dict, now_ms: int):
    problems = []
    if credit_note["Status"] != "AUTHORISED":
        problems.append("Only AUTHORISED credit notes can be allocated")
    if invoice["Status"] != "AUTHORISED" or invoice["Type"] != CREDIT_TYPES[credit_note["Type"]]:
        problems.append("The credit note can only be allocated to an AUTHORISED invoice of the same type")
    if (invoice.get("Contact") or {}).get("ContactID") != credit_note["Contact"]["ContactID"]:
        problems.append("The credit note and the invoice must have the same contact")
    if invoice["CurrencyCode"] != credit_note["CurrencyCode"]:
        problems.append("The credit note and the invoice must be in the same currency")
    try:
        amount = money(element.get("Amount"))
    except (ArithmeticError, ValueError, TypeError):
        amount = None
    if amount is None or amount <= 0:
        problems.append("Allocation amount must be greater than zero")
    elif amount > money(credit_note["RemainingCredit"]):
        problems.append("Allocation amount exceeds the remaining credit on the credit note")
    elif amount > money(invoice["AmountDue"]):
        problems.append("Allocation amount exceeds the amount due on the invoice")
    try:
        day = parse_document_date(element["Date"]) if element.get("Date") else None
    except ValueError:
        day = None
    if day is None:
        day = dt.datetime.fromtimestamp(now_ms / 1000, UTC).date()
    return problems, amount, day


# --- API handlers ---------------------------------------------------------------------------------------------
def get_credit_notes(api, call):
    with api.store.lock:
        notes = list(call.tenant.credit_notes.values())
    return list_paged(api, call, notes, "CreditNote", CREDIT_NOTE_FIELDS, CREDIT_NOTE_ORDER_FIELDS, "CreditNotes")


def get_credit_note(api, call, credit_note_id):
    with api.store.lock:
        credit_note = find_credit_note(call.tenant, credit_note_id)
    if credit_note is None:
        return errors.not_found()
    return api.envelope("CreditNotes", [credit_note])


def create_credit_notes(api, call):
    return _write(api, call, allow_update=False)


def create_or_update_credit_notes(api, call):
    return _write(api, call, allow_update=True)


def update_credit_note(api, call, credit_note_id):
    return _write(api, call, allow_update=True, path_id=credit_note_id)


def _write(api, call, allow_update, path_id=None):
    elements, problem = _collection(call.request, "CreditNotes")
    if problem is not None:
        return problem
    summarize = truthy(call.request.args.get("summarizeErrors", "true"))
    unitdp = 4 if call.request.args.get("unitdp") == "4" else 2
    events = []
    with api.store.lock:
        plans, numbers = [], set()
        for element in elements:
            existing = None
            key = path_id or element.get("CreditNoteID") or (allow_update and element.get("CreditNoteNumber"))
            if key:
                existing = find_credit_note(call.tenant, str(key))
                if existing is None and (path_id or element.get("CreditNoteID")):
                    return errors.not_found()
            plans.append((element, *build_credit_note(call.tenant, element, existing, call.now_ms, unitdp, numbers)))
        if summarize and any(problems for *_, problems in plans):
            return errors.validation_exception(
                [_failed(element, problems) for element, _, _, problems in plans if problems]
            )
        results = []
        for element, credit_note, contact_to_create, problems in plans:
            if problems:
                results.append(_failed(element, problems))
                continue
            event = save_credit_note(api.sandbox, call.tenant, credit_note, contact_to_create)
            events.append((credit_note["CreditNoteID"], event))
            results.append(dict(credit_note, StatusAttributeString="OK"))
    for credit_note_id, event in events:
        notify(api.sandbox, call.tenant, "CREDITNOTE", credit_note_id, event)
    return api.envelope("CreditNotes", results)


def allocate_credit_note(api, call, credit_note_id):
    elements, problem = _collection(call.request, "Allocations")
    if problem is not None:
        return problem
    results, touched = [], []
    with api.store.lock:
        if find_credit_note(call.tenant, credit_note_id) is None:
            return errors.not_found()
        for element in elements:
            try:
                allocation = allocate(api.sandbox, call.tenant, credit_note_id, element, call.now_ms)
            except CreditProblem as exc:
                return errors.validation_exception([_failed(element, str(exc).split("\n"))])
            touched.append((allocation["CreditNote"]["CreditNoteID"], allocation["Invoice"]["InvoiceID"]))
            results.append(dict(allocation, StatusAttributeString="OK"))
    for note_id, invoice_id in touched:
        notify(api.sandbox, call.tenant, "CREDITNOTE", note_id, "UPDATE")
        notify(api.sandbox, call.tenant, "INVOICE", invoice_id, "UPDATE")
    return api.envelope("Allocations", results)


def _failed(element: dict, problems: list) -> dict:
    return dict(
        element,
        HasErrors=True,
        StatusAttributeString="ERROR",
        ValidationErrors=[{"Message": message} for message in problems],
    )


register("credit_notes", CREDIT_READ, get_credit_notes)
register("credit_note", CREDIT_READ, get_credit_note)
register("credit_notes_put", CREDIT_WRITE, create_credit_notes)
register("credit_notes_post", CREDIT_WRITE, create_or_update_credit_notes)
register("credit_note_post", CREDIT_WRITE, update_credit_note)
register("credit_note_allocate", CREDIT_WRITE, allocate_credit_note)
