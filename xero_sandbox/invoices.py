"""Invoice validation, totals and status transitions, the way Xero applies them.

``build_invoice`` turns a submitted element (new, or an update of a stored invoice) into either a
list of Xero validation messages or the complete invoice to store. Money is computed with Decimal
and rounded half-up to 2 dp (unit amounts to ``unitdp``), tax per line from the line's TaxType, or
the account's default TaxType.
"""

import datetime as dt
import uuid
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from .extras import branding_errors
from .formats import UTC, iso_date_string, iso_utc_seconds, ms_date, ms_datetime, parse_document_date
from .tracking_lines import resolve_line_tracking

INVOICE_TYPES = ("ACCREC", "ACCPAY")
CREATABLE_STATUSES = ("DRAFT", "SUBMITTED", "AUTHORISED")
LINE_AMOUNT_TYPES = ("Exclusive", "Inclusive", "NoTax")
# Allowed status changes (current -> new) on POST /Invoices/{id}.
TRANSITIONS = {
    "DRAFT": {"DRAFT", "SUBMITTED", "AUTHORISED", "DELETED"},
    "SUBMITTED": {"DRAFT", "SUBMITTED", "AUTHORISED", "DELETED"},
    "AUTHORISED": {"AUTHORISED", "VOIDED"},
}
NO_ACCOUNT_POSTING = ("BANK",)  # plus every system account
ZERO_GUID = "00000000-0000-0000-0000-000000000000"
INVOICE_FIELDS = frozenset(
    (
        "Type", "Contact", "LineItems", "Date", "DueDate", "LineAmountTypes", "InvoiceNumber", "Reference",
        "BrandingThemeID", "Url", "CurrencyCode", "CurrencyRate", "Status", "SentToContact", "SubTotal", "TotalTax",
        "Total", "TotalDiscount", "InvoiceID", "HasAttachments", "IsDiscounted", "Payments", "Prepayments",
        "Overpayments", "AmountDue", "AmountPaid", "AmountCredited", "UpdatedDateUTC", "CreditNotes", "Attachments",
    )
)  # fmt: skip
CENT = Decimal("0.01")


@dataclass
class BatchState:
    """Claims made by earlier elements of the same request (e.g. invoice numbers)."""

    invoice_numbers: set = field(default_factory=set)


@dataclass
class Outcome:
    errors: list
    invoice: dict = None  # the invoice to store, when there are no errors
    contact_to_create: dict = None  # an invoice naming a new contact creates it, as in Xero


def build_invoice(tenant, element: dict, existing: dict, now_ms: int, unitdp: int, batch: BatchState) -> Outcome:
    merged = _merge(existing, element) if existing else dict(element)
    errors = []
    status = merged.get("Status") or "DRAFT"
    invoice_type = merged.get("Type")
    if not invoice_type:
        errors.append("Invoice Type must be specified.")
    elif invoice_type not in INVOICE_TYPES:
        errors.append(f"Invoice Type '{invoice_type}' is not valid for this endpoint.")
    errors += _status_errors(existing, status)
    contact, contact_to_create, contact_errors = _resolve_contact(tenant, merged.get("Contact"))
    errors += contact_errors
    currency = merged.get("CurrencyCode") or tenant.base_currency
    if currency not in tenant.enabled_currencies:
        errors.append(f"The currency code '{currency}' is not valid or not enabled for this organisation.")
    line_amount_types = merged.get("LineAmountTypes") or "Exclusive"
    if line_amount_types not in LINE_AMOUNT_TYPES:
        errors.append(f"LineAmountTypes '{line_amount_types}' is not valid.")
        line_amount_types = "Exclusive"
    invoice_date, due_date, date_errors = _dates(merged, status, now_ms)
    errors += date_errors + branding_errors(tenant, merged)
    number = merged.get("InvoiceNumber") or ""
    if number and invoice_type == "ACCREC":
        existing_id = existing["InvoiceID"] if existing else None
        if tenant.invoice_number_taken(number, except_id=existing_id) or number in batch.invoice_numbers:
            errors.append("Invoice # must be unique.")
    lines, line_errors = _lines(tenant, merged.get("LineItems") or [], invoice_type, status, line_amount_types, unitdp)
    errors += line_errors
    if not merged.get("LineItems"):
        errors.append("At least one line item must be specified.")
    if errors:
        return Outcome(errors)
    if number:
        batch.invoice_numbers.add(number)
    invoice = _assemble(
        merged, existing, invoice_type, status, contact, currency, line_amount_types, invoice_date, due_date, lines
    )
    _stamp(invoice, now_ms)
    return Outcome([], invoice, contact_to_create)


def _merge(existing: dict, element: dict) -> dict:
    merged = dict(existing)
    merged.update({key: value for key, value in element.items() if value is not None})
    if "Contact" not in element:
        merged["Contact"] = {"ContactID": existing["Contact"]["ContactID"]}
    return merged


def _status_errors(existing, status: str) -> list:
    if existing is None:
        return [] if status in CREATABLE_STATUSES else ["Invoice not of valid status for creation"]
    allowed = TRANSITIONS.get(existing["Status"], set())
    if existing["Status"] == "AUTHORISED" and status == "VOIDED" and existing["AmountPaid"]:
        return ["Invoice not of valid status for modification. Payments must be removed before voiding."]
    return [] if status in allowed else ["Invoice not of valid status for modification"]


def _resolve_contact(tenant, contact):
    """(contact record or None, contact dict to create or None, errors)."""
    if not isinstance(contact, dict) or not any(contact.get(key) for key in ("ContactID", "Name", "ContactNumber")):
        return None, None, ["A Contact must be specified for this type of transaction"]
    contact_id = contact.get("ContactID")
    if contact_id and contact_id != ZERO_GUID:
        record = tenant.contacts.get(str(contact_id).lower())
        if record is None:
            return None, None, [f"The contact with ContactID '{contact_id}' could not be found."]
        return record, None, []
    if contact.get("ContactNumber"):
        record = tenant.contact_by_number(contact["ContactNumber"])
        if record is not None:
            return record, None, []
        if not contact.get("Name"):
            return None, None, [f"The contact with ContactNumber '{contact['ContactNumber']}' could not be found."]
    record = tenant.contact_by_name(contact["Name"])
    if record is not None:
        return record, None, []
    return None, contact, []


def _dates(invoice: dict, status: str, now_ms: int):
    errors = []
    today = dt.datetime.fromtimestamp(now_ms / 1000, UTC).date()
    invoice_date = due_date = None
    try:
        invoice_date = parse_document_date(invoice["Date"]) if invoice.get("Date") else today
    except ValueError:
        errors.append("The Date field is not a valid date.")
    try:
        due_date = parse_document_date(invoice["DueDate"]) if invoice.get("DueDate") else None
    except ValueError:
        errors.append("The DueDate field is not a valid date.")
    if due_date is None and status in ("SUBMITTED", "AUTHORISED") and not errors:
        errors.append("Due Date must be specified.")
    return invoice_date, due_date, errors


def _money(value, places: Decimal = CENT) -> Decimal:
    return Decimal(str(value)).quantize(places, rounding=ROUND_HALF_UP)


def _lines(tenant, items, invoice_type, status, line_amount_types, unitdp):
    lines, errors = [], []
    unit_places = Decimal(1).scaleb(-4 if unitdp == 4 else -2)
    for item in items:
        if not isinstance(item, dict):
            errors.append("Line items must be objects.")
            continue
        line, line_errors = _line(tenant, item, invoice_type, status, line_amount_types, unit_places)
        lines.append(line)
        errors += line_errors
    return lines, errors


def _line(tenant, item, invoice_type, status, line_amount_types, unit_places):
    errors = []
    try:
        quantity = Decimal(str(item["Quantity"])) if item.get("Quantity") is not None else None
        unit = _money(item["UnitAmount"], unit_places) if item.get("UnitAmount") is not None else None
        line_amount = _money(item["LineAmount"]) if item.get("LineAmount") is not None else None
        discount = Decimal(str(item.get("DiscountRate") or 0))
    except (InvalidOperation, ValueError):
        return {}, ["Quantity, UnitAmount, LineAmount and DiscountRate must be numbers."]
    if quantity is None:
        quantity = Decimal(1) if (unit is not None or line_amount is not None) else Decimal(0)
    if unit is None:
        unit = _money(line_amount / quantity, unit_places) if line_amount is not None and quantity else Decimal(0)
    if discount and invoice_type != "ACCREC":
        errors.append("Discounts are only supported on ACCREC invoices.")
    if unit and quantity and (line_amount is None or line_amount != _money(quantity * unit * (100 - discount) / 100)):
        line_amount = _money(quantity * unit * (100 - discount) / 100)
    line_amount = line_amount if line_amount is not None else Decimal("0.00")
    account, account_errors = _account(tenant, item, status, bool(line_amount))
    errors += account_errors
    tax_type, rate, tax_errors = _tax(tenant, item, account, line_amount_types)
    errors += tax_errors
    tracking, tracking_errors = resolve_line_tracking(tenant, item.get("Tracking"))
    errors += tracking_errors
    if item.get("TaxAmount") is not None and line_amount_types != "NoTax":
        tax = _money(item["TaxAmount"])
    elif line_amount_types == "Inclusive":
        tax = _money(line_amount * rate / (100 + rate))
    elif line_amount_types == "Exclusive":
        tax = _money(line_amount * rate / 100)
    else:
        tax = Decimal("0.00")
    line = {
        "LineItemID": item.get("LineItemID") or str(uuid.uuid4()),
        "Description": item.get("Description") or "",
        "Quantity": float(quantity),
        "UnitAmount": float(unit),
        "TaxType": tax_type,
        "TaxAmount": float(tax),
        "LineAmount": float(line_amount),
        "Tracking": tracking,
    }
    if account is not None:
        line["AccountCode"] = account["Code"]
        line["AccountID"] = account["AccountID"]
    if discount:
        line["DiscountRate"] = float(discount)
    if item.get("ItemCode"):
        line["ItemCode"] = item["ItemCode"]
    return line, errors


def _account(tenant, item, status, has_amount):
    code, account_id = item.get("AccountCode"), item.get("AccountID")
    if not code and not account_id:
        if status != "DRAFT" and has_amount:
            return None, ["Account code must be specified"]
        return None, []
    account = tenant.accounts_by_code.get(str(code)) if code else tenant.accounts_by_id.get(str(account_id).lower())
    label = code or account_id
    if account is None or account["Type"] in NO_ACCOUNT_POSTING or account.get("SystemAccount"):
        return None, [f"Account code '{label}' is not a valid code for this document."]
    if account["Status"] != "ACTIVE":
        return None, [
            f"Account code '{label}' has been archived, or has been deleted. Each line item must reference a valid account."
        ]
    return account, []


def _tax(tenant, item, account, line_amount_types):
    if line_amount_types == "NoTax":
        return "NONE", Decimal(0), []
    tax_type = item.get("TaxType") or (account["TaxType"] if account else "NONE")
    rate = tenant.tax_rates_by_type.get(tax_type)
    if rate is None or rate["Status"] != "ACTIVE":
        return (
            tax_type,
            Decimal(0),
            [f"The TaxType code {tax_type} does not exist or cannot be used for this type of transaction."],
        )
    return tax_type, Decimal(str(rate["EffectiveRate"])), []


def _assemble(merged, existing, invoice_type, status, contact, currency, line_amount_types, day, due, lines):
    line_total = sum((Decimal(str(line["LineAmount"])) for line in lines), Decimal(0))
    tax_total = sum((Decimal(str(line["TaxAmount"])) for line in lines), Decimal(0))
    subtotal = line_total - tax_total if line_amount_types == "Inclusive" else line_total
    total = subtotal + tax_total
    paid = Decimal(str(existing["AmountPaid"])) if existing else Decimal(0)
    credited = Decimal(str(existing.get("AmountCredited") or 0)) if existing else Decimal(0)
    invoice = {
        "Type": invoice_type,
        "InvoiceID": existing["InvoiceID"] if existing else str(uuid.uuid4()),
        "InvoiceNumber": merged.get("InvoiceNumber") or "",
        "Reference": merged.get("Reference") or "",
        "Payments": list(existing.get("Payments") or []) if existing else [],
        "CreditNotes": list(existing.get("CreditNotes") or []) if existing else [],
        "Prepayments": [],
        "Overpayments": [],
        "AmountDue": float(total - paid - credited),
        "AmountPaid": float(paid),
        "AmountCredited": float(credited),
        "CurrencyRate": float(merged.get("CurrencyRate") or 1),
        "IsDiscounted": any(line.get("DiscountRate") for line in lines),
        "HasAttachments": bool(existing and existing.get("HasAttachments")),
        "HasErrors": False,
        "Contact": _contact_snapshot(contact.data) if contact else None,
        "DateString": iso_date_string(day),
        "Date": ms_date(day),
        "Status": status,
        "LineAmountTypes": line_amount_types,
        "LineItems": lines,
        "SubTotal": float(subtotal),
        "TotalTax": float(tax_total),
        "Total": float(total),
        "CurrencyCode": currency,
        "SentToContact": bool(merged.get("SentToContact")),
    }
    if due is not None:
        invoice["DueDateString"] = iso_date_string(due)
        invoice["DueDate"] = ms_date(due)
    if merged.get("Url"):
        invoice["Url"] = merged["Url"]
    if merged.get("BrandingThemeID"):
        invoice["BrandingThemeID"] = merged["BrandingThemeID"]
    return invoice


def _contact_snapshot(contact: dict) -> dict:
    snapshot = {key: contact[key] for key in ("ContactID", "ContactNumber", "Name", "ContactStatus") if key in contact}
    for key in ("FirstName", "LastName", "EmailAddress"):
        if contact.get(key):
            snapshot[key] = contact[key]
    snapshot.update(
        Addresses=contact.get("Addresses", []),
        Phones=contact.get("Phones", []),
        UpdatedDateUTC=contact["UpdatedDateUTC"],
        ContactGroups=[],
        ContactPersons=[],
        HasValidationErrors=False,
    )
    return snapshot


def attach_contact(invoice: dict, contact: dict) -> None:
    invoice["Contact"] = _contact_snapshot(contact)


def _stamp(invoice: dict, now_ms: int) -> None:
    invoice["UpdatedDateUTC"] = ms_datetime(now_ms)
    invoice["UpdatedDateUTCString"] = iso_utc_seconds(now_ms)


def failed_element(element: dict, errors: list) -> dict:
    """An element of a summarizeErrors=false response that was not saved."""
    failed = dict(element)
    failed.setdefault("InvoiceID", ZERO_GUID)
    failed.update(
        HasErrors=True,
        StatusAttributeString="ERROR",
        ValidationErrors=[{"Message": message} for message in errors],
    )
    return failed


def invoice_without_lines(invoice: dict) -> dict:
    return {key: value for key, value in invoice.items() if key != "LineItems"}
