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
    "AccountsReceivableTaxType", "AccountsPayableTaxType",
)  # fmt: skip
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
    return errors


def created_contact(fields: dict, updated_ms: int) -> dict:
    contact = new_contact_data({key: fields[key] for key in WRITABLE_FIELDS if key in fields}, updated_ms)
    if fields.get("ContactStatus") == "ARCHIVED":
        contact["ContactStatus"] = "ARCHIVED"
    return contact


def updated_contact(existing: dict, fields: dict, updated_ms: int) -> dict:
    contact = dict(existing)
    for key in WRITABLE_FIELDS + ("ContactStatus",):
        if key in fields and fields[key] is not None:
            contact[key] = fields[key]
    contact["UpdatedDateUTC"] = ms_datetime(updated_ms)
    return contact
