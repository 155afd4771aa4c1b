"""GET /Contacts filtering and paging, and contact creation/update rules."""

import re
from dataclasses import dataclass

from .formats import ms_datetime
from .store import new_contact_data
from .where import compile_where

DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000  # Xero's maximum since July 2024; larger requests are capped
CONTACT_FIELDS = frozenset(
    (
        "ContactID", "MergedToContactID", "ContactNumber", "AccountNumber", "ContactStatus", "Name", "FirstName",
        "LastName", "CompanyNumber", "EmailAddress", "ContactPersons", "BankAccountDetails", "TaxNumber",
        "TaxNumberType", "AccountsReceivableTaxType", "AccountsPayableTaxType", "Addresses", "Phones", "IsSupplier",
        "IsCustomer", "SalesDefaultLineAmountType", "PurchasesDefaultLineAmountType", "DefaultCurrency",
        "XeroNetworkKey", "SalesDefaultAccountCode", "PurchasesDefaultAccountCode", "SalesTrackingCategories",
        "PurchasesTrackingCategories", "TrackingCategoryName", "TrackingCategoryOption", "PaymentTerms",
        "UpdatedDateUTC", "ContactGroups", "Website", "BrandingTheme", "BatchPayments", "Discount", "Balances",
        "Attachments", "HasAttachments", "HasValidationErrors",
    )
)  # fmt: skip
# searchTerm: case-insensitive "contains" on these (Xero's GET /Contacts documentation; the OpenAPI spec omits
# CompanyNumber)
SEARCH_FIELDS = ("Name", "FirstName", "LastName", "ContactNumber", "CompanyNumber", "EmailAddress")
WRITABLE_FIELDS = (
    "Name", "ContactNumber", "AccountNumber", "FirstName", "LastName", "EmailAddress", "TaxNumber",
    "BankAccountDetails", "Addresses", "Phones", "ContactPersons", "CompanyNumber", "DefaultCurrency", "Website",
    "AccountsReceivableTaxType", "AccountsPayableTaxType", "PaymentTerms", "SalesDefaultAccountCode",
    "SalesTrackingCategories",
)  # fmt: skip
# Set at Xero in its own screens, read-only in the API (Discount) or not documented as writable (BrandingTheme):
# the control API sets them, as a user in Xero would
CONTROL_ONLY_FIELDS = ("BrandingTheme", "Discount")
PAYMENT_TERM_TYPES = ("DAYSAFTERBILLDATE", "DAYSAFTERBILLMONTH", "OFCURRENTMONTH", "OFFOLLOWINGMONTH")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass
class Page:
    records: list
    pagination: dict = None  # only when the client asked for a page


def truthy(value) -> bool:
    return str(value).strip().lower() in ("true", "1", "yes")


def paging(args):
    """(page, page_size) from ``page``/``pageSize``; page is None when the client did not page."""
    if "page" not in args:
        return None, None
    try:
        page = max(1, int(args.get("page")))
    except ValueError:
        page = 1
    try:
        page_size = int(args.get("pageSize", DEFAULT_PAGE_SIZE))
    except ValueError:
        page_size = DEFAULT_PAGE_SIZE
    return page, min(max(1, page_size), MAX_PAGE_SIZE)


def paginate(items: list, page: int, page_size: int) -> Page:
    if page is None:
        return Page(items)
    start = (page - 1) * page_size
    page_count = (len(items) + page_size - 1) // page_size
    pagination = {"page": page, "pageSize": page_size, "pageCount": page_count, "itemCount": len(items)}
    return Page(items[start : start + page_size], pagination)


def query_contacts(tenant, args, modified_since_ms) -> Page:
    """Contacts matching GET /Contacts' query. Raises WhereError/ValueError for a bad where/order."""
    records = tenant.contacts_in_order(args.get("order", ""))
    ids = {value.strip().lower() for value in args.get("IDs", "").split(",") if value.strip()}
    include_archived = truthy(args.get("includeArchived", "false")) or bool(ids)
    predicate = compile_where(args["where"], "Contact", CONTACT_FIELDS) if args.get("where") else None
    term = args.get("searchTerm", "").strip().casefold()
    matches = []
    for record in records:
        if ids and record.contact_id not in ids:
            continue
        if not include_archived and record.status == "ARCHIVED":
            continue
        # Inclusive, so a client that sends the newest UpdatedDateUTC it saw never misses a
        # sibling changed in that same millisecond.
        if modified_since_ms is not None and record.updated_ms < modified_since_ms:
            continue
        if term and not _matches_search(record.data, term):
            continue
        if predicate is not None and not predicate(record.data):
            continue
        matches.append(record)
    page, page_size = paging(args)
    return paginate(matches, page, page_size)


def _matches_search(contact: dict, term: str) -> bool:
    return any(term in str(contact.get(field) or "").casefold() for field in SEARCH_FIELDS)


def contact_errors(tenant, fields: dict, existing=None, batch_names=None) -> list:
    """Xero's validation messages for a contact create (``existing`` None) or update."""
    errors = []
    name = fields.get("Name", existing.data["Name"] if existing else "")
    if not isinstance(name, str) or not name.strip():
        errors.append("Contact Name cannot be empty.")
    elif len(name) > 255 and (existing is None or name != existing.data["Name"]):
        errors.append("The Name field must be 255 characters or less.")
    else:
        twin = tenant.contact_by_name(name)
        taken_in_batch = batch_names is not None and name.casefold() in batch_names
        if (twin is not None and (existing is None or twin.contact_id != existing.contact_id)) or taken_in_batch:
            errors.append(
                f"The contact name {name} is already assigned to another contact. "
                "The contact name must be unique across all active contacts."
            )
    email = fields.get("EmailAddress")
    if email and not _EMAIL.match(email):
        errors.append("Email address must be valid.")
    if fields.get("ContactStatus") not in (None, "ACTIVE", "ARCHIVED"):
        errors.append(f"Contact status '{fields['ContactStatus']}' is not valid.")
    number = fields.get("ContactNumber")
    if number and len(number) > 50:
        errors.append("The ContactNumber field must be 50 characters or less.")
    return errors + terms_errors(tenant, fields)


def terms_errors(tenant, fields: dict) -> list:
    errors = []
    for kind, term in (fields.get("PaymentTerms") or {}).items():
        term = term if isinstance(term, dict) else {}
        if term.get("Type") not in PAYMENT_TERM_TYPES:
            errors.append(f"The payment terms type '{term.get('Type')}' is not valid.")
        elif not isinstance(term.get("Day"), int) or not 0 <= term["Day"] <= (31 if "MONTH" in term["Type"] else 999):
            errors.append(f"The payment terms day of {kind} is not valid.")
    code = fields.get("SalesDefaultAccountCode")
    if code and code not in tenant.accounts_by_code:
        errors.append(f"Account code '{code}' is not a valid code for this document.")
    currency = fields.get("DefaultCurrency")
    if currency and currency not in tenant.enabled_currencies:
        errors.append(f"The currency code '{currency}' is not valid or not enabled for this organisation.")
    return errors


def _branding_ref(tenant, theme) -> dict:
    """A contact's ``BrandingTheme`` as Xero returns it (id and name), from an id given by the control API."""
    theme_id = str((theme or {}).get("BrandingThemeID") or "").lower()
    found = tenant.branding_themes_by_id.get(theme_id)
    if found is None:
        raise ValueError(f"unknown branding theme {theme_id!r}")
    return {"BrandingThemeID": found["BrandingThemeID"], "Name": found["Name"]}


def control_fields(tenant, fields: dict) -> dict:
    """Fields set by the control API, as Xero would store them (a branding theme gets its name)."""
    if fields.get("BrandingTheme"):
        fields = dict(fields, BrandingTheme=_branding_ref(tenant, fields["BrandingTheme"]))
    return fields


def created_contact(fields: dict, updated_ms: int, control: bool = False) -> dict:
    writable = WRITABLE_FIELDS + (CONTROL_ONLY_FIELDS if control else ())
    contact = new_contact_data({key: fields[key] for key in writable if key in fields}, updated_ms)
    if fields.get("ContactStatus") == "ARCHIVED":
        contact["ContactStatus"] = "ARCHIVED"
    return contact


def updated_contact(existing: dict, fields: dict, updated_ms: int, control: bool = False) -> dict:
    contact = dict(existing)
    for key in WRITABLE_FIELDS + ("ContactStatus",) + (CONTROL_ONLY_FIELDS if control else ()):
        if key in fields and fields[key] is not None:
            contact[key] = fields[key]
    contact["UpdatedDateUTC"] = ms_datetime(updated_ms)
    return contact
