"""Payments: GET /Payments (If-Modified-Since, where, order, page), GET /Payments/{id}, PUT /Payments
(a batch) and POST /Payments (one), POST /Payments/{id} {"Status": "DELETED"} (reverses it).

A payment applies to an AUTHORISED ACCREC/ACCPAY invoice, in the invoice's currency, into a BANK
account (or one with EnablePaymentsToAccount), for at most the amount due. It moves the invoice's
AmountPaid/AmountDue, lists itself in the invoice's Payments, and turns the invoice PAID (with
FullyPaidOnDate) when nothing is due; deleting it undoes all of that. Both bump the invoice's
UpdatedDateUTC and send an INVOICE UPDATE webhook when auto webhooks are on. Deleted payments stay
readable with Status DELETED (that is how a poller learns of a removal).
"""

import datetime as dt
import uuid
from decimal import Decimal

from werkzeug.routing import Rule

from . import errors
from .accounting import API_PREFIX, _collection, list_paged, register
from .contacts import truthy
from .events import notify
from .formats import UTC, iso_utc_seconds, ms_date, ms_datetime, parse_document_date

PAYMENTS_READ = frozenset(
    ("accounting.transactions", "accounting.transactions.read", "accounting.payments", "accounting.payments.read")
)
PAYMENTS_WRITE = frozenset(("accounting.transactions", "accounting.payments"))
PAYMENT_FIELDS = frozenset(
    (
        "Invoice", "CreditNote", "Account", "Code", "Date", "CurrencyRate", "Amount", "BankAmount", "Reference",
        "IsReconciled", "Status", "PaymentType", "UpdatedDateUTC", "PaymentID", "HasAccount",
    )
)  # fmt: skip
PAYMENT_ORDER_FIELDS = {name.lower(): name for name in PAYMENT_FIELDS}
CENT = Decimal("0.01")


class PaymentProblem(ValueError):
    pass


def rules() -> list:
    api = API_PREFIX
    return [
        Rule(f"{api}/Payments", endpoint="api:payments", methods=["GET"]),
        Rule(f"{api}/Payments", endpoint="api:payments_put", methods=["PUT"]),
        Rule(f"{api}/Payments", endpoint="api:payments_post", methods=["POST"]),
        Rule(f"{api}/Payments/<payment_id>", endpoint="api:payment", methods=["GET"]),
        Rule(f"{api}/Payments/<payment_id>", endpoint="api:payment_post", methods=["POST"]),
    ]


def money(value) -> Decimal:
    return Decimal(str(value)).quantize(CENT)


def stamp(document: dict, now_ms: int) -> None:
    document["UpdatedDateUTC"] = ms_datetime(now_ms)
    document["UpdatedDateUTCString"] = iso_utc_seconds(now_ms)


def invoice_ref(invoice: dict) -> dict:
    contact = invoice.get("Contact") or {}
    return {
        "Type": invoice["Type"],
        "InvoiceID": invoice["InvoiceID"],
        "InvoiceNumber": invoice["InvoiceNumber"],
        "CurrencyCode": invoice["CurrencyCode"],
        "Contact": {"ContactID": contact.get("ContactID"), "Name": contact.get("Name", "")},
    }


def settle(invoice: dict, delta_paid: Decimal, delta_credited: Decimal, day) -> dict:
    """A new version of ``invoice`` with AmountPaid/AmountCredited moved; PAID when nothing is due."""
    updated = dict(invoice)
    paid = money(invoice["AmountPaid"]) + delta_paid
    credited = money(invoice.get("AmountCredited") or 0) + delta_credited
    due = money(invoice["Total"]) - paid - credited
    updated.update(AmountPaid=float(paid), AmountCredited=float(credited), AmountDue=float(due))
    if due == 0 and invoice["Status"] == "AUTHORISED":
        updated["Status"] = "PAID"
        updated["FullyPaidOnDate"] = ms_date(day)
    elif due > 0 and invoice["Status"] == "PAID":
        updated["Status"] = "AUTHORISED"
        updated.pop("FullyPaidOnDate", None)
    return updated


def build_payment(tenant, element: dict, now_ms: int) -> dict:
    """Validate a payment element; raises PaymentProblem with Xero's message."""
    problems = []
    target = element.get("Invoice") or {}
    invoice = None
    key = target.get("InvoiceID") or target.get("InvoiceNumber") or element.get("InvoiceNumber")
    if key:
        invoice = tenant.find_invoice(str(key))
    if invoice is None:
        raise PaymentProblem("Invoice could not be found")
    if invoice["Status"] != "AUTHORISED":
        problems.append("Payments can only be made against Authorised documents")
    account_ref = element.get("Account") or {}
    account = None
    if account_ref.get("AccountID"):
        account = tenant.accounts_by_id.get(str(account_ref["AccountID"]).lower())
    elif account_ref.get("Code"):
        account = tenant.accounts_by_code.get(str(account_ref["Code"]))
    if account is None:
        problems.append("Account could not be found")
    elif account["Status"] != "ACTIVE" or not (account["Type"] == "BANK" or account.get("EnablePaymentsToAccount")):
        problems.append("Account type is invalid for making a payment to/from")
    try:
        amount = money(element.get("Amount"))
    except (ArithmeticError, ValueError, TypeError):
        amount = None
    if amount is None or amount <= 0:
        problems.append("Payment amount must be greater than zero")
    elif amount > money(invoice["AmountDue"]):
        problems.append("Payment amount exceeds the amount outstanding on this document")
    try:
        day = parse_document_date(element["Date"]) if element.get("Date") else _today(now_ms)
    except ValueError:
        problems.append("The Date field is not a valid date.")
        day = None
    if problems:
        raise PaymentProblem("\n".join(problems))
    rate = float(element.get("CurrencyRate") or invoice.get("CurrencyRate") or 1)
    return {
        "PaymentID": str(uuid.uuid4()),
        "Date": ms_date(day),
        "Amount": float(amount),
        "BankAmount": float(amount),
        "CurrencyRate": rate,
        "Reference": element.get("Reference") or "",
        "IsReconciled": bool(element.get("IsReconciled")),
        "Status": "AUTHORISED",
        "PaymentType": "ACCRECPAYMENT" if invoice["Type"] == "ACCREC" else "ACCPAYPAYMENT",
        "HasAccount": True,
        "HasValidationErrors": False,
        "Account": {"AccountID": account["AccountID"], "Code": account["Code"]},
        "Invoice": invoice_ref(invoice),
    }


def apply_payment(sandbox, tenant, payment: dict) -> dict:
    """Store ``payment`` and settle its invoice (caller holds store.lock)."""
    now = sandbox.clock.tick_ms()
    stamp(payment, now)
    invoice = tenant.invoices[payment["Invoice"]["InvoiceID"]]
    day = parse_document_date(payment["Date"])
    updated = settle(invoice, money(payment["Amount"]), Decimal(0), day)
    updated["Payments"] = list(invoice.get("Payments") or []) + [
        {
            "PaymentID": payment["PaymentID"],
            "Date": payment["Date"],
            "Amount": payment["Amount"],
            "Reference": payment["Reference"],
            "CurrencyRate": payment["CurrencyRate"],
            "HasAccount": False,
            "HasValidationErrors": False,
        }
    ]
    stamp(updated, sandbox.clock.tick_ms())
    tenant.invoices[updated["InvoiceID"]] = updated
    tenant.payments[payment["PaymentID"]] = payment
    return payment


def delete_payment(sandbox, tenant, payment_id: str) -> dict:
    """Mark the payment DELETED and give its amount back to the invoice (caller holds store.lock)."""
    payment = tenant.payments.get(payment_id.lower())
    if payment is None:
        raise KeyError(payment_id)
    if payment["Status"] == "DELETED":
        raise PaymentProblem("This payment has already been deleted")
    deleted = dict(payment, Status="DELETED")
    stamp(deleted, sandbox.clock.tick_ms())
    invoice = tenant.invoices[payment["Invoice"]["InvoiceID"]]
    updated = settle(invoice, -money(payment["Amount"]), Decimal(0), None)
    updated["Payments"] = [p for p in invoice.get("Payments") or [] if p["PaymentID"] != payment["PaymentID"]]
    stamp(updated, sandbox.clock.tick_ms())
    tenant.invoices[updated["InvoiceID"]] = updated
    tenant.payments[deleted["PaymentID"]] = deleted
    return deleted


def _today(now_ms: int):
    return dt.datetime.fromtimestamp(now_ms / 1000, UTC).date()


# --- API handlers ---------------------------------------------------------------------------------------------
def get_payments(api, call):
    with api.store.lock:
        payments = list(call.tenant.payments.values())
    return list_paged(api, call, payments, "Payment", PAYMENT_FIELDS, PAYMENT_ORDER_FIELDS, "Payments")


def get_payment(api, call, payment_id):
    with api.store.lock:
        payment = call.tenant.payments.get(payment_id.lower())
    if payment is None:
        return errors.not_found()
    return api.envelope("Payments", [payment])


def create_payments(api, call):
    elements, problem = _collection(call.request, "Payments")
    if problem is not None:
        return problem
    summarize = truthy(call.request.args.get("summarizeErrors", "true"))
    with api.store.lock:
        planned = []
        for element in elements:
            try:
                planned.append((element, build_payment(call.tenant, element, call.now_ms), None))
            except PaymentProblem as exc:
                planned.append((element, None, str(exc).split("\n")))
        if summarize and any(problems for _, _, problems in planned):
            return errors.validation_exception(
                [_failed(element, problems) for element, _, problems in planned if problems]
            )
        results, touched = [], []
        for element, payment, problems in planned:
            if problems:
                results.append(_failed(element, problems))
                continue
            try:  # an earlier element of the batch may have paid the invoice already
                payment = build_payment(call.tenant, element, call.now_ms)
            except PaymentProblem as exc:
                results.append(_failed(element, str(exc).split("\n")))
                continue
            results.append(dict(apply_payment(api.sandbox, call.tenant, payment), StatusAttributeString="OK"))
            touched.append(payment["Invoice"]["InvoiceID"])
    for invoice_id in touched:
        notify(api.sandbox, call.tenant, "INVOICE", invoice_id, "UPDATE")
    return api.envelope("Payments", results)


def update_payment(api, call, payment_id):
    elements, problem = _collection(call.request, "Payments")
    if problem is not None:
        return problem
    element = elements[0] if elements else {}
    if element.get("Status") != "DELETED":
        return errors.single_validation_error("Only the Status of a payment can be changed, to DELETED.")
    with api.store.lock:
        try:
            deleted = delete_payment(api.sandbox, call.tenant, payment_id)
        except KeyError:
            return errors.not_found()
        except PaymentProblem as exc:
            return errors.single_validation_error(str(exc))
    notify(api.sandbox, call.tenant, "INVOICE", deleted["Invoice"]["InvoiceID"], "UPDATE")
    return api.envelope("Payments", [deleted])


def _failed(element: dict, problems: list) -> dict:
    return dict(
        element,
        HasValidationErrors=True,
        StatusAttributeString="ERROR",
        ValidationErrors=[{"Message": message} for message in problems],
    )


register("payments", PAYMENTS_READ, get_payments)
register("payment", PAYMENTS_READ, get_payment)
register("payments_put", PAYMENTS_WRITE, create_payments)
register("payments_post", PAYMENTS_WRITE, create_payments)
register("payment_post", PAYMENTS_WRITE, update_payment)
