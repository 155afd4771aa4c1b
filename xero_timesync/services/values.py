"""Plain value objects the service hands to models, and the parsers that build them from Xero's JSON.

Models never see an SDK model: contacts and invoices are read as raw JSON (the SDK's models refuse some
of Xero's real data, e.g. names over 255 characters) and turned into these frozen dataclasses.
"""

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timezone

from xero_python.api_client.deserializer import deserialize_datetime_ms

# NUL and the other C0/C1 control characters: PostgreSQL refuses NUL, and none belongs in a name. Line
# breaks and tabs become spaces; the others are dropped ("Bad\x00Name" is "BadName").
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]+")
WHITESPACE_CONTROLS = re.compile(r"[\t\n\r]+")


@dataclass(frozen=True)
class XeroEndpoints:
    login_url: str
    identity_url: str
    api_url: str

    @property
    def token_url(self):
        return f"{self.identity_url}/connect/token"

    @property
    def revocation_url(self):
        return f"{self.identity_url}/connect/revocation"

    @property
    def accounting_url(self):
        return f"{self.api_url}/api.xro/2.0"

    @property
    def projects_url(self):
        return f"{self.api_url}/projects.xro/2.0"


@dataclass(frozen=True)
class XeroTenant:
    connection_id: str
    tenant_id: str
    name: str
    tenant_type: str
    auth_event_id: str | None = None


@dataclass(frozen=True)
class XeroAccount:
    account_id: str
    code: str
    name: str
    type: str
    account_class: str
    status: str


@dataclass(frozen=True)
class XeroTaxRate:
    tax_type: str
    name: str
    rate: float
    status: str
    can_apply_to_revenue: bool
    can_apply_to_expenses: bool


@dataclass(frozen=True)
class XeroContact:
    contact_id: str
    name: str
    status: str
    updated: datetime | None
    contact_number: str | None = None
    account_number: str | None = None
    email: str | None = None
    phone: str | None = None
    mobile: str | None = None
    website: str | None = None
    tax_number: str | None = None
    street: str | None = None
    street2: str | None = None
    city: str | None = None
    zip: str | None = None
    region: str | None = None
    country: str | None = None
    is_customer: bool = False
    is_supplier: bool = False
    merged_to: str | None = None  # MergedToContactID: Xero merged this contact into that one
    in_scope: bool = True  # set by the importer from the connection's contact scope
    group_ids: tuple = ()  # ContactGroups' ids, when Xero sends them
    # the contact's own sales terms (README "The client's own terms")
    payment_terms_day: int = 0
    payment_terms_type: str | None = None  # PaymentTerms.Sales.Type (DAYSAFTERBILLDATE, ...)
    default_currency: str | None = None
    sales_tax_type: str | None = None  # AccountsReceivableTaxType
    sales_account_code: str | None = None  # SalesDefaultAccountCode
    sales_tracking: tuple = ()  # SalesTrackingCategories: ((category name, option name), ...)
    branding_theme_id: str | None = None
    branding_theme_name: str | None = None
    discount: float = 0.0

    @property
    def archived(self):
        return self.status != "ACTIVE"


@dataclass
class CallStats:
    calls: int = 0
    retries: int = 0
    waited: float = 0.0
    rate_limit_remaining: dict = field(default_factory=dict)


@dataclass(frozen=True)
class XeroInvoice:
    invoice_id: str
    number: str
    reference: str
    status: str
    contact_id: str | None = None
    total: float = 0.0
    currency: str | None = None
    updated: datetime | None = None
    total_tax: float | None = None  # None: Xero's answer did not say (e.g. a summary without totals)
    amount_due: float = 0.0
    amount_paid: float = 0.0
    amount_credited: float = 0.0
    payments: tuple = ()  # XeroPayment (active ones: Xero drops deleted payments from the invoice)
    credit_notes: tuple = ()  # (CreditNoteID, applied amount)


@dataclass(frozen=True)
class XeroPayment:
    payment_id: str
    invoice_id: str | None
    amount: float
    date: date | None
    status: str = "AUTHORISED"
    reference: str = ""
    currency: str | None = None
    updated: datetime | None = None

    @property
    def deleted(self):
        return self.status == "DELETED"


@dataclass(frozen=True)
class XeroCreditNote:
    credit_note_id: str
    number: str
    reference: str
    status: str
    contact_id: str | None
    total: float
    currency: str | None
    date: date | None
    line_amount_types: str = "Exclusive"
    lines: tuple = ()  # dicts: description, quantity, unit_amount, line_amount, tax_amount, tax_type, account_code
    allocations: tuple = ()  # (InvoiceID, amount)
    remaining_credit: float = 0.0
    updated: datetime | None = None
    total_tax: float | None = None


@dataclass(frozen=True)
class XeroInvoiceResult:
    """What Xero did with one pushed invoice: created (``invoice``) or refused (``errors``)."""

    reference: str | None
    invoice: XeroInvoice | None = None
    errors: list = field(default_factory=list)
    outcome_unknown: bool = False


def parse_ms_date(value):
    """Xero's ``/Date(1573755038314+0000)/`` → aware UTC datetime (same parser as the SDK's)."""
    if not value:
        return None
    return deserialize_datetime_ms("datetime[ms-format]", value, None).astimezone(timezone.utc)


def clean_text(value):
    """Xero JSON as PostgreSQL and Odoo accept it: no control characters in text (line breaks become spaces)."""
    if isinstance(value, str):
        return WHITESPACE_CONTROLS.sub(" ", CONTROL_CHARACTERS.sub("", value)).strip() or None
    if isinstance(value, dict):
        return {key: clean_text(item) for key, item in value.items()}
    if isinstance(value, list):
        return [clean_text(item) for item in value]
    return value


def contact_from_json(data):
    data = clean_text(data)
    phones = {p.get("PhoneType"): p for p in data.get("Phones") or []}
    addresses = {a.get("AddressType"): a for a in data.get("Addresses") or []}
    address = addresses.get("STREET") or addresses.get("POBOX") or {}
    if not any(address.get(key) for key in ("AddressLine1", "City", "PostalCode", "Country")):
        address = addresses.get("POBOX") or {}
    return XeroContact(
        contact_id=data["ContactID"],
        name=(data.get("Name") or "").strip(),
        status=data.get("ContactStatus") or "ACTIVE",
        updated=parse_ms_date(data.get("UpdatedDateUTC")),
        contact_number=data.get("ContactNumber") or None,
        account_number=data.get("AccountNumber") or None,
        email=data.get("EmailAddress") or None,
        phone=_phone(phones.get("DEFAULT")),
        mobile=_phone(phones.get("MOBILE")),
        website=data.get("Website") or None,
        tax_number=data.get("TaxNumber") or None,
        street=address.get("AddressLine1") or None,
        street2=" ".join(filter(None, (address.get(f"AddressLine{i}") for i in (2, 3, 4)))) or None,
        city=address.get("City") or None,
        zip=address.get("PostalCode") or None,
        region=address.get("Region") or None,
        country=address.get("Country") or None,
        is_customer=bool(data.get("IsCustomer")),
        is_supplier=bool(data.get("IsSupplier")),
        merged_to=data.get("MergedToContactID") or None,
        group_ids=tuple(g["ContactGroupID"] for g in data.get("ContactGroups") or [] if g.get("ContactGroupID")),
        **_sales_terms(data),
    )


def _sales_terms(data):
    """The contact's own sales terms, as :class:`XeroContact` keeps them."""
    sales = (data.get("PaymentTerms") or {}).get("Sales") or {}
    theme = data.get("BrandingTheme") or {}
    return {
        "payment_terms_day": int(sales.get("Day") or 0) if sales.get("Type") else 0,
        "payment_terms_type": sales.get("Type") or None,
        "default_currency": data.get("DefaultCurrency") or None,
        "sales_tax_type": data.get("AccountsReceivableTaxType") or None,
        "sales_account_code": data.get("SalesDefaultAccountCode") or None,
        "sales_tracking": tuple(
            (t["TrackingCategoryName"], t["TrackingOptionName"])
            for t in data.get("SalesTrackingCategories") or []
            if t.get("TrackingCategoryName") and t.get("TrackingOptionName")
        ),
        "branding_theme_id": theme.get("BrandingThemeID") or None,
        "branding_theme_name": theme.get("Name") or None,
        "discount": float(data.get("Discount") or 0.0),
    }


def _phone(phone):
    if not phone or not phone.get("PhoneNumber"):
        return None
    return " ".join(filter(None, (phone.get("PhoneCountryCode"), phone.get("PhoneAreaCode"), phone.get("PhoneNumber"))))


def invoice_from_json(data):
    return XeroInvoice(
        invoice_id=data.get("InvoiceID") or "",
        number=data.get("InvoiceNumber") or "",
        reference=data.get("Reference") or "",
        status=data.get("Status") or "",
        contact_id=(data.get("Contact") or {}).get("ContactID"),
        total=float(data.get("Total") or 0.0),
        currency=data.get("CurrencyCode"),
        updated=parse_ms_date(data.get("UpdatedDateUTC")),
        total_tax=float(data["TotalTax"]) if data.get("TotalTax") is not None else None,
        amount_due=float(data.get("AmountDue") or 0.0),
        amount_paid=float(data.get("AmountPaid") or 0.0),
        amount_credited=float(data.get("AmountCredited") or 0.0),
        payments=tuple(
            payment_from_json(dict(p, Invoice={"InvoiceID": data.get("InvoiceID")})) for p in data.get("Payments") or []
        ),
        credit_notes=tuple(
            (c.get("CreditNoteID"), float(c.get("AppliedAmount") or 0.0)) for c in data.get("CreditNotes") or []
        ),
    )


def _ms_day(value):
    moment = parse_ms_date(value)
    return moment.date() if moment else None


def payment_from_json(data):
    return XeroPayment(
        payment_id=data.get("PaymentID") or "",
        invoice_id=(data.get("Invoice") or {}).get("InvoiceID"),
        amount=float(data.get("Amount") or 0.0),
        date=_ms_day(data.get("Date")),
        status=data.get("Status") or "AUTHORISED",
        reference=clean_text(data.get("Reference")) or "",
        currency=(data.get("Invoice") or {}).get("CurrencyCode"),
        updated=parse_ms_date(data.get("UpdatedDateUTC")),
    )


def credit_note_from_json(data):
    return XeroCreditNote(
        credit_note_id=data.get("CreditNoteID") or "",
        number=data.get("CreditNoteNumber") or "",
        reference=clean_text(data.get("Reference")) or "",
        status=data.get("Status") or "",
        contact_id=(data.get("Contact") or {}).get("ContactID"),
        total=float(data.get("Total") or 0.0),
        currency=data.get("CurrencyCode"),
        date=_ms_day(data.get("Date")),
        line_amount_types=data.get("LineAmountTypes") or "Exclusive",
        lines=tuple(
            {
                "description": clean_text(line.get("Description")) or "",
                "quantity": float(line.get("Quantity") or 1.0),
                "unit_amount": float(line.get("UnitAmount") or 0.0),
                "line_amount": float(line.get("LineAmount") or 0.0),
                "tax_amount": float(line.get("TaxAmount") or 0.0),
                "tax_type": line.get("TaxType"),
                "account_code": line.get("AccountCode"),
            }
            for line in data.get("LineItems") or []
        ),
        allocations=tuple(
            ((a.get("Invoice") or {}).get("InvoiceID"), float(a.get("Amount") or 0.0))
            for a in data.get("Allocations") or []
            if not a.get("IsDeleted")
        ),
        remaining_credit=float(data.get("RemainingCredit") or 0.0),
        updated=parse_ms_date(data.get("UpdatedDateUTC")),
        total_tax=float(data["TotalTax"]) if data.get("TotalTax") is not None else None,
    )


def invoice_result_from_json(element, reference):
    errors = [e.get("Message") for e in element.get("ValidationErrors") or [] if e.get("Message")]
    failed = errors or element.get("HasErrors") or element.get("StatusAttributeString") == "ERROR"
    invoice_id = element.get("InvoiceID")
    if failed or not invoice_id or invoice_id == "00000000-0000-0000-0000-000000000000":
        return XeroInvoiceResult(reference=reference, errors=errors or ["Xero did not create the invoice."])
    return XeroInvoiceResult(reference=reference, invoice=invoice_from_json(element))


@dataclass(frozen=True)
class XeroTrackingCategory:
    category_id: str
    name: str
    options: tuple = ()  # (TrackingOptionID, Name) of the active options


def tracking_category_from_json(data):
    return XeroTrackingCategory(
        category_id=data["TrackingCategoryID"],
        name=clean_text(data.get("Name")) or "",
        options=tuple(
            (o["TrackingOptionID"], clean_text(o.get("Name")) or "")
            for o in data.get("Options") or []
            if o.get("TrackingOptionID") and (o.get("Status") or "ACTIVE") == "ACTIVE"
        ),
    )
