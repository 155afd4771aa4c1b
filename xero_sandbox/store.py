"""The sandbox's mutable state per organisation (tenant), and the seeded starting point.

Contacts are kept as Xero-shaped dicts plus their JSON, serialised once on first read and again
only after a change, so that paging through 100k contacts never re-encodes or deep-copies them.
All mutation goes through ``Store.lock`` (the WSGI server is threaded).
"""

import threading
import uuid

from .data import (
    ENABLED_CURRENCIES,
    ContactFactory,
    build_accounts,
    build_organisation,
    build_tax_rates,
    org_profile,
)
from .extras import seed_extras
from .formats import dumps, ms_datetime, parse_ms_json
from .payroll import PayrollBook
from .projects import ProjectsBook

# Left out of summaryOnly=true responses: the "computation-heavy" parts of a contact.
SUMMARY_EXCLUDED_FIELDS = frozenset(
    ("Balances", "ContactPersons", "ContactGroups", "PaymentTerms", "BatchPayments", "Attachments", "BrandingTheme")
)

CONTACT_ORDER_FIELDS = {
    "name": "Name",
    "contactid": "ContactID",
    "updateddateutc": "UpdatedDateUTC",
    "contactnumber": "ContactNumber",
    "emailaddress": "EmailAddress",
    "contactstatus": "ContactStatus",
}


class ContactRecord:
    __slots__ = ("data", "updated_ms", "_full_json", "_summary_json", "_unpaged_json")

    def __init__(self, data: dict):
        self.data = data
        self.updated_ms = parse_ms_json(data["UpdatedDateUTC"])
        self._full_json = None
        self._summary_json = None
        self._unpaged_json = None

    @property
    def contact_id(self) -> str:
        return self.data["ContactID"]

    @property
    def status(self) -> str:
        return self.data["ContactStatus"]

    def full_json(self) -> bytes:
        if self._full_json is None:
            self._full_json = dumps(self.data)
        return self._full_json

    def summary_json(self) -> bytes:
        if self._summary_json is None:
            self._summary_json = dumps(
                {key: value for key, value in self.data.items() if key not in SUMMARY_EXCLUDED_FIELDS}
            )
        return self._summary_json

    def unpaged_json(self, summary: bool) -> bytes:
        """The contact in an unpaged list: no MergedToContactID, empty ContactGroups (paged-only fields)."""
        if not self.data.get("MergedToContactID") and not self.data.get("ContactGroups"):
            return self.summary_json() if summary else self.full_json()
        if summary:
            return dumps(
                {
                    key: value
                    for key, value in self.data.items()
                    if key not in SUMMARY_EXCLUDED_FIELDS and key != "MergedToContactID"
                }
            )
        if self._unpaged_json is None:
            data = {key: value for key, value in self.data.items() if key != "MergedToContactID"}
            data["ContactGroups"] = []
            self._unpaged_json = dumps(data)
        return self._unpaged_json

    def replace(self, data: dict) -> None:
        """Swap in a new version of the contact (never mutate ``data`` in place: readers share it)."""
        self.data = data
        self.updated_ms = parse_ms_json(data["UpdatedDateUTC"])
        self._full_json = None
        self._summary_json = None
        self._unpaged_json = None


class Tenant:
    """One Xero organisation: settings, chart of accounts, tax rates, contacts and invoices."""

    def __init__(self, index: int, seed: int, contact_count: int, demo_terms: bool = False):
        profile = org_profile(index)
        self.index = index
        self.organisation = build_organisation(index, seed)
        self.tenant_id = self.organisation["OrganisationID"]  # Xero: tenantId == OrganisationID
        self.name = self.organisation["Name"]
        self.base_currency = profile.currency
        self.accounts = build_accounts(index, seed, profile.currency)
        self.accounts_by_code = {account["Code"]: account for account in self.accounts}
        self.accounts_by_id = {account["AccountID"]: account for account in self.accounts}
        self.tax_rates = build_tax_rates(index)
        self.tax_rates_by_type = {rate["TaxType"]: rate for rate in self.tax_rates}
        self.contacts = {}
        self._contact_order_cache = {}
        factory = ContactFactory(seed, index)
        for number in range(1, contact_count + 1):
            record = ContactRecord(factory.build(number))
            self.contacts[record.contact_id] = record
        self.invoices = {}
        self.next_invoice_number = 1
        seed_extras(self, seed, demo_terms)
        self.payroll = PayrollBook.seeded(self, seed)
        self.projects = ProjectsBook.seeded(self, seed)

    def summary(self) -> dict:
        return {"tenant_id": self.tenant_id, "name": self.name, "base_currency": self.base_currency}

    @property
    def enabled_currencies(self) -> frozenset:
        return frozenset(ENABLED_CURRENCIES) | {self.base_currency}

    # --- contacts ------------------------------------------------------------------------------
    def contacts_in_order(self, order: str = "") -> list:
        """Contacts sorted by an ``order`` clause (default ``Name ASC``), cached until a change.

        Raises ValueError for an unknown field (the caller turns that into Xero's QueryParseException).
        """
        field, descending = parse_order(order or "Name ASC", CONTACT_ORDER_FIELDS)
        key = (field, descending)
        cached = self._contact_order_cache.get(key)
        if cached is None:
            cached = sorted(self.contacts.values(), key=_contact_sort_key(field), reverse=descending)
            self._contact_order_cache[key] = cached
        return cached

    def put_contact(self, data: dict) -> ContactRecord:
        record = self.contacts.get(data["ContactID"])
        if record is None:
            record = ContactRecord(data)
            self.contacts[record.contact_id] = record
        else:
            record.replace(data)
        self._contact_order_cache.clear()
        return record

    def contact_by_name(self, name: str):
        folded = name.casefold()
        for record in self.contacts.values():
            if record.status == "ACTIVE" and record.data["Name"].casefold() == folded:
                return record
        return None

    def contact_by_number(self, number: str):
        for record in self.contacts.values():
            if record.data.get("ContactNumber") == number:
                return record
        return None

    # --- invoices ------------------------------------------------------------------------------
    def take_invoice_number(self) -> str:
        while True:
            number = f"INV-{self.next_invoice_number:04d}"
            self.next_invoice_number += 1
            if not self.invoice_number_taken(number):
                return number

    def invoice_number_taken(self, number: str, except_id: str = None) -> bool:
        return any(
            invoice["InvoiceNumber"] == number and invoice["InvoiceID"] != except_id
            for invoice in self.invoices.values()
            if invoice["Type"] == "ACCREC"
        )

    def find_invoice(self, id_or_number: str):
        invoice = self.invoices.get(id_or_number.lower())
        if invoice is not None:
            return invoice
        for invoice in self.invoices.values():
            if invoice["InvoiceNumber"] == id_or_number:
                return invoice
        return None


def parse_order(order: str, allowed: dict) -> tuple:
    parts = order.split()
    if not parts or len(parts) > 2:
        raise ValueError(f"Invalid order clause '{order}'")
    field = allowed.get(parts[0].lower())
    if field is None:
        raise ValueError(f"No property or field '{parts[0]}' exists in type 'Contact'")
    direction = parts[1].upper() if len(parts) == 2 else "ASC"
    if direction not in ("ASC", "DESC"):
        raise ValueError(f"Invalid order direction '{parts[1]}'")
    return field, direction == "DESC"


def _contact_sort_key(field: str):
    if field == "UpdatedDateUTC":
        return lambda record: (record.updated_ms, record.contact_id)
    return lambda record: (str(record.data.get(field) or "").casefold(), record.contact_id)


class Store:
    """All organisations of the sandbox, rebuilt from the seed on ``reseed()``."""

    def __init__(self, seed: int, orgs: int, contacts: int, demo_terms: bool = False):
        self.lock = threading.RLock()
        self.demo_terms = demo_terms
        self.seed = seed
        self.org_count = orgs
        self.contact_count = contacts
        self.tenants = {}
        self.reseed()

    def reseed(self) -> None:
        tenants = [Tenant(index, self.seed, self.contact_count, self.demo_terms) for index in range(self.org_count)]
        with self.lock:
            self.tenants = {tenant.tenant_id: tenant for tenant in tenants}

    def tenant(self, tenant_id: str):
        return self.tenants.get((tenant_id or "").lower())

    def tenant_list(self) -> list:
        return list(self.tenants.values())


def new_contact_data(fields: dict, updated_ms: int) -> dict:
    """A brand-new contact in Xero's shape from the writable fields a client sent."""
    contact = {
        "ContactID": str(uuid.uuid4()),
        "ContactStatus": "ACTIVE",
        "Name": fields["Name"],
    }
    for key in (
        "ContactNumber",
        "AccountNumber",
        "CompanyNumber",
        "FirstName",
        "LastName",
        "EmailAddress",
        "TaxNumber",
        "Website",
        "DefaultCurrency",
        "AccountsReceivableTaxType",
        "AccountsPayableTaxType",
        "SalesDefaultAccountCode",
        "SalesTrackingCategories",
        "PaymentTerms",
        "BrandingTheme",
        "Discount",
    ):
        if fields.get(key):
            contact[key] = fields[key]
    contact["BankAccountDetails"] = fields.get("BankAccountDetails", "")
    contact["Addresses"] = fields.get("Addresses") or [
        {"AddressType": "POBOX", "City": "", "Region": "", "PostalCode": "", "Country": ""},
        {"AddressType": "STREET", "City": "", "Region": "", "PostalCode": "", "Country": ""},
    ]
    contact["Phones"] = fields.get("Phones") or [
        {"PhoneType": "DEFAULT", "PhoneNumber": "", "PhoneAreaCode": "", "PhoneCountryCode": ""},
    ]
    contact["UpdatedDateUTC"] = ms_datetime(updated_ms)
    contact["ContactGroups"] = []
    contact["IsSupplier"] = False
    contact["IsCustomer"] = False
    contact["ContactPersons"] = fields.get("ContactPersons") or []
    contact["HasAttachments"] = False
    contact["HasValidationErrors"] = False
    return contact
