"""Deterministic seed data: organisations, chart of accounts, tax rates and contacts.

Everything derives from ``random.Random`` seeded with the sandbox seed, so two sandboxes started
with the same ``--seed``/``--orgs``/``--contacts`` serve byte-identical data (apart from timestamps
of later changes). Seeded UpdatedDateUTC values lie in 2024-2025, before any change made at run time.
"""

import random
import re
from dataclasses import dataclass

from .formats import ms_datetime

SEED_EPOCH_MS = 1704067200000  # 2024-01-01T00:00:00Z
SEED_SPAN_MS = 700 * 24 * 3600 * 1000
ORG_CREATED_MS = 1577836800000  # 2020-01-01T00:00:00Z


@dataclass(frozen=True)
class OrgProfile:
    name: str
    currency: str
    country: str
    country_name: str
    timezone: str
    version: str
    tax_rate: float  # the region's standard sales tax, used by OUTPUT2/INPUT2


ORG_PROFILES = (
    OrgProfile("Demo Company (NZ)", "NZD", "NZ", "New Zealand", "NEWZEALANDSTANDARDTIME", "NZ", 15.0),
    OrgProfile("Demo Company (US)", "USD", "US", "United States", "EASTERNSTANDARDTIME", "US", 8.5),
    OrgProfile("Demo Company (AU)", "AUD", "AU", "Australia", "AUSEASTERNSTANDARDTIME", "AU", 10.0),
    OrgProfile("Demo Company (UK)", "GBP", "GB", "United Kingdom", "GMTSTANDARDTIME", "UK", 20.0),
)

# Currencies every seeded organisation has enabled, besides its base currency.
ENABLED_CURRENCIES = ("NZD", "USD", "EUR", "GBP", "AUD")

# (Code, Name, Type, TaxType, SystemAccount, Status); Class follows from Type.
CHART_OF_ACCOUNTS = (
    ("090", "Business Bank Account", "BANK", "NONE", "", "ACTIVE"),
    ("091", "Business Savings Account", "BANK", "NONE", "", "ACTIVE"),
    ("200", "Sales", "REVENUE", "OUTPUT2", "", "ACTIVE"),
    ("210", "Consulting Fees", "REVENUE", "OUTPUT2", "", "ACTIVE"),
    ("220", "Export Sales", "SALES", "EXEMPTOUTPUT", "", "ACTIVE"),
    ("250", "Legacy Services Revenue", "REVENUE", "OUTPUT2", "", "ARCHIVED"),
    ("260", "Other Revenue", "REVENUE", "OUTPUT2", "", "ACTIVE"),
    ("270", "Interest Income", "OTHERINCOME", "NONE", "", "ACTIVE"),
    ("310", "Cost of Goods Sold", "DIRECTCOSTS", "INPUT2", "", "ACTIVE"),
    ("400", "Advertising", "EXPENSE", "INPUT2", "", "ACTIVE"),
    ("404", "Bank Fees", "EXPENSE", "NONE", "", "ACTIVE"),
    ("412", "Consulting & Accounting", "EXPENSE", "INPUT2", "", "ACTIVE"),
    ("429", "General Expenses", "EXPENSE", "INPUT2", "", "ACTIVE"),
    ("461", "Printing & Stationery", "OVERHEADS", "INPUT2", "", "ACTIVE"),
    ("493", "Travel - National", "EXPENSE", "INPUT2", "", "ACTIVE"),
    ("610", "Accounts Receivable", "CURRENT", "NONE", "DEBTORS", "ACTIVE"),
    ("710", "Office Equipment", "FIXED", "INPUT2", "", "ACTIVE"),
    ("800", "Accounts Payable", "CURRLIAB", "NONE", "CREDITORS", "ACTIVE"),
    ("820", "Sales Tax", "CURRLIAB", "NONE", "GST", "ACTIVE"),
    ("960", "Retained Earnings", "EQUITY", "NONE", "RETAINEDEARNINGS", "ACTIVE"),
    ("970", "Owner A Funds Introduced", "EQUITY", "NONE", "", "ACTIVE"),
)

ACCOUNT_CLASS = {
    "BANK": "ASSET",
    "CURRENT": "ASSET",
    "FIXED": "ASSET",
    "INVENTORY": "ASSET",
    "NONCURRENT": "ASSET",
    "PREPAYMENT": "ASSET",
    "CURRLIAB": "LIABILITY",
    "LIABILITY": "LIABILITY",
    "TERMLIAB": "LIABILITY",
    "PAYG": "LIABILITY",
    "EQUITY": "EQUITY",
    "REVENUE": "REVENUE",
    "SALES": "REVENUE",
    "OTHERINCOME": "REVENUE",
    "EXPENSE": "EXPENSE",
    "OVERHEADS": "EXPENSE",
    "DIRECTCOSTS": "EXPENSE",
    "DEPRECIATN": "EXPENSE",
}

# (TaxType, Name, ReportTaxType, uses the region's standard rate, applies to revenue, applies to expenses)
TAX_RATES = (
    ("OUTPUT2", "Sales Tax on Income", "OUTPUT", True, True, False),
    ("INPUT2", "Sales Tax on Expenses", "INPUT", True, False, True),
    ("NONE", "No Tax", "NONE", False, True, True),
    ("EXEMPTOUTPUT", "Exempt Income", "EXEMPTOUTPUT", False, True, False),
)

FIRST_NAMES = (
    "Aroha",
    "Ben",
    "Chloé",
    "Daniel",
    "Emma",
    "Finn",
    "Grace",
    "Hemi",
    "Isla",
    "Jack",
    "Kiri",
    "Liam",
    "Mia",
    "Noah",
    "Olivia",
    "Priya",
    "Quinn",
    "Ruby",
    "Sione",
    "Tama",
    "Uma",
    "Victor",
    "Wiremu",
    "Xin",
    "Yusuf",
    "Zoë",
    "José",
    "Søren",
    "Łukasz",
    "Anaïs",
)
LAST_NAMES = (
    "Anderson",
    "Brown",
    "Chen",
    "Davies",
    "Evans",
    "Fletcher",
    "García",
    "Harris",
    "Ito",
    "Jones",
    "Kumar",
    "Lee",
    "Martin",
    "Ngata",
    "O'Brien",
    "Patel",
    "Quigley",
    "Robinson",
    "Smith",
    "Taylor",
    "Usman",
    "Van der Berg",
    "Walker",
    "Xu",
    "Young",
    "Zhang",
    "Müller",
    "Nakamura",
    "Øvergaard",
)
COMPANY_WORDS_A = (
    "Acme",
    "Bayside",
    "Blue Ridge",
    "Cedar",
    "Coastal",
    "Crown",
    "Delta",
    "Evergreen",
    "Harbour",
    "Kauri",
    "Kiwi",
    "Lakeside",
    "Metro",
    "Northern",
    "Pacific",
    "Pinnacle",
    "Ridgeway",
    "Silver Fern",
    "Southern Cross",
    "Summit",
    "Tasman",
    "Totara",
    "Waitematā",
    "Westside",
)
COMPANY_WORDS_B = (
    "Builders",
    "Cafe",
    "Consulting",
    "Design",
    "Electrical",
    "Engineering",
    "Freight",
    "Gardens",
    "Joinery",
    "Legal",
    "Logistics",
    "Marketing",
    "Media",
    "Motors",
    "Plumbing",
    "Printing",
    "Software",
    "Studios",
    "Supplies",
    "Traders",
    "Travel",
    "Ventures",
)
COMPANY_SUFFIXES = ("Ltd", "Limited", "Co", "Group", "& Sons", "Partners", "Inc", "Pty Ltd", "LLC", "")
UNICODE_NAMES = (
    "Ünïcødé Ltd 日本",
    "Müller & Söhne GmbH",
    "Café Crème Société",
    "Ørsted Ålborg ApS",
    "Ζήτα Εταιρεία Α.Ε.",
    "Москва Трейдинг ООО",
    "北京贸易有限公司",
    "Tāmaki Makaurau Whānau Trust",
    "Señor Piñata S.A. de C.V.",
    "株式会社さくら",
    "שלום בע״מ",
    "Emoji Bakery 🍰",
)
STREETS = (
    "Queen Street",
    "Lambton Quay",
    "Colombo Street",
    "George Street",
    "Collins Street",
    "High Street",
    "Main Road",
    "Station Road",
    "Church Street",
    "Victoria Avenue",
    "Ponsonby Road",
    "Cuba Street",
)
# (City, Region, PostalCode prefix, Country)
CITIES = (
    ("Auckland", "Auckland", "10", "New Zealand"),
    ("Wellington", "Wellington", "60", "New Zealand"),
    ("Christchurch", "Canterbury", "80", "New Zealand"),
    ("Sydney", "NSW", "20", "Australia"),
    ("Melbourne", "VIC", "30", "Australia"),
    ("San Francisco", "CA", "94", "United States"),
    ("Austin", "TX", "78", "United States"),
    ("London", "", "EC", "United Kingdom"),
    ("Manchester", "", "M1", "United Kingdom"),
    ("Tokyo", "Tokyo", "10", "Japan"),
)
LONG_NAME_LENGTH = 500
_NOT_EMAIL_LOCAL = re.compile(r"[^a-z0-9.]")


_UUID4_CLEAR = ~((0xF000 << 64) | (0xC000 << 48))
_UUID4_SET = (0x4000 << 64) | (0x8000 << 48)


def seeded_uuid(rng: random.Random) -> str:
    """A version-4 UUID drawn from ``rng`` (same value as ``uuid.UUID(int=..., version=4)``, faster)."""
    text = f"{(rng.getrandbits(128) & _UUID4_CLEAR) | _UUID4_SET:032x}"
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


def tenant_rng(seed: int, org_index: int, purpose: str) -> random.Random:
    return random.Random(f"xero-sandbox:{seed}:{org_index}:{purpose}")


def org_profile(index: int) -> OrgProfile:
    base = ORG_PROFILES[index % len(ORG_PROFILES)]
    if index < len(ORG_PROFILES):
        return base
    return OrgProfile(
        f"Demo Company {index + 1} ({base.version})",
        base.currency,
        base.country,
        base.country_name,
        base.timezone,
        base.version,
        base.tax_rate,
    )


def build_organisation(index: int, seed: int) -> dict:
    profile = org_profile(index)
    rng = tenant_rng(seed, index, "organisation")
    organisation_id = seeded_uuid(rng)
    return {
        "OrganisationID": organisation_id,
        "APIKey": "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _ in range(30)),
        "Name": profile.name,
        "LegalName": profile.name.replace("Demo Company", "Demo Company Limited"),
        "PaysTax": True,
        "Version": profile.version,
        "OrganisationType": "COMPANY",
        "BaseCurrency": profile.currency,
        "CountryCode": profile.country,
        "IsDemoCompany": False,
        "OrganisationStatus": "ACTIVE",
        "RegistrationNumber": f"{rng.randint(1000000, 9999999)}",
        "TaxNumber": f"{rng.randint(100, 999)}-{rng.randint(100, 999)}-{rng.randint(100, 999)}",
        "FinancialYearEndDay": 31,
        "FinancialYearEndMonth": 3,
        "SalesTaxBasis": "INVOICE" if profile.version != "US" else "ACCRUAL",
        "SalesTaxPeriod": "TWOMONTHS" if profile.version == "NZ" else "QUARTERLY1",
        "DefaultSalesTax": "Tax Exclusive",
        "DefaultPurchasesTax": "Tax Exclusive",
        "CreatedDateUTC": ms_datetime(ORG_CREATED_MS + index * 86400000),
        "OrganisationEntityType": "COMPANY",
        "Timezone": profile.timezone,
        "ShortCode": "!" + "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(5)),
        "Class": "PREMIUM",
        "Edition": "BUSINESS",
        "LineOfBusiness": "Professional services",
        "Addresses": [
            {
                "AddressType": "STREET",
                "AddressLine1": "23 Main Street",
                "City": "Wellington",
                "PostalCode": "6011",
                "Country": profile.country_name,
            }
        ],
        "Phones": [{"PhoneType": "OFFICE", "PhoneNumber": "555-0100", "PhoneAreaCode": "04"}],
        "ExternalLinks": [],
        "PaymentTerms": {"Sales": {"Day": 20, "Type": "OFFOLLOWINGMONTH"}},
    }


def build_accounts(index: int, seed: int, currency: str) -> list:
    rng = tenant_rng(seed, index, "accounts")
    accounts = []
    for offset, (code, name, account_type, tax_type, system_account, status) in enumerate(CHART_OF_ACCOUNTS):
        account = {
            "AccountID": seeded_uuid(rng),
            "Code": code,
            "Name": name,
            "Status": status,
            "Type": account_type,
            "TaxType": tax_type,
            "Class": ACCOUNT_CLASS[account_type],
            "EnablePaymentsToAccount": False,
            "ShowInExpenseClaims": ACCOUNT_CLASS[account_type] == "EXPENSE",
            "ReportingCode": _reporting_code(account_type),
            "ReportingCodeName": name,
            "HasAttachments": False,
            "UpdatedDateUTC": ms_datetime(SEED_EPOCH_MS + offset * 60000),
            "AddToWatchlist": False,
        }
        if account_type == "BANK":
            account["BankAccountNumber"] = f"12-3456-{rng.randint(1000000, 9999999)}-00"
            account["BankAccountType"] = "BANK"
            account["CurrencyCode"] = currency
        else:
            account["Description"] = f"{name} ({account_type.lower()})"
        if system_account:
            account["SystemAccount"] = system_account
        accounts.append(account)
    return accounts


def _reporting_code(account_type: str) -> str:
    return {"ASSET": "ASS", "LIABILITY": "LIA", "EQUITY": "EQU", "REVENUE": "REV", "EXPENSE": "EXP"}[
        ACCOUNT_CLASS[account_type]
    ]


def build_tax_rates(index: int) -> list:
    profile = org_profile(index)
    rates = []
    for tax_type, name, report_type, standard, on_revenue, on_expenses in TAX_RATES:
        rate = profile.tax_rate if standard else 0.0
        label = f"{rate:g}% {name}" if standard else name
        rates.append(
            {
                "Name": label,
                "TaxType": tax_type,
                "TaxComponents": [{"Name": "Sales Tax", "Rate": rate, "IsCompound": False, "IsNonRecoverable": False}],
                "Status": "ACTIVE",
                "ReportTaxType": report_type,
                "CanApplyToAssets": on_expenses,
                "CanApplyToEquity": on_expenses,
                "CanApplyToExpenses": on_expenses,
                "CanApplyToLiabilities": on_expenses,
                "CanApplyToRevenue": on_revenue,
                "DisplayTaxRate": rate,
                "EffectiveRate": rate,
            }
        )
    return rates


class ContactFactory:
    """Generates the seeded contacts of one organisation, in order, from its own random stream."""

    def __init__(self, seed: int, org_index: int):
        self.rng = tenant_rng(seed, org_index, "contacts")
        self.names = []

    def build(self, number: int) -> dict:
        rng = self.rng
        roll = rng.random()
        first = last = None
        if roll < 0.02 and self.names:
            name = _pick(rng, self.names)  # a duplicate name, as Xero allows (e.g. archived twin)
        elif roll < 0.05:
            name = _pick(rng, UNICODE_NAMES)
        elif roll < 0.06:
            name = _long_name(rng)
        elif roll < 0.35:
            first, last = _pick(rng, FIRST_NAMES), _pick(rng, LAST_NAMES)
            name = f"{first} {last}"
        else:
            suffix = _pick(rng, COMPANY_SUFFIXES)
            name = f"{_pick(rng, COMPANY_WORDS_A)} {_pick(rng, COMPANY_WORDS_B)} {suffix}".strip()
            if rng.random() < 0.5:
                name = f"{name} #{number}"
            first, last = _pick(rng, FIRST_NAMES), _pick(rng, LAST_NAMES)
        self.names.append(name)
        kind = rng.random()
        is_customer, is_supplier = kind < 0.75, kind > 0.6
        contact = {
            "ContactID": seeded_uuid(rng),
            "ContactStatus": "ARCHIVED" if rng.random() < 0.05 else "ACTIVE",
            "Name": name,
        }
        if rng.random() < 0.6:
            contact["ContactNumber"] = f"{'CUST' if is_customer else 'SUPP'}-{number:06d}"
        if rng.random() < 0.3:
            contact["AccountNumber"] = f"AN{number:07d}"
        if first:
            contact["FirstName"] = first
            contact["LastName"] = last
        if rng.random() < 0.88:
            contact["EmailAddress"] = _email(first, last, number, rng)
        contact["BankAccountDetails"] = ""
        if rng.random() < 0.4:
            contact["TaxNumber"] = f"{_between(rng, 10, 99)}-{_between(rng, 100, 999)}-{_between(rng, 100, 999)}"
        contact["Addresses"] = _addresses(rng)
        contact["Phones"] = _phones(rng)
        contact["UpdatedDateUTC"] = ms_datetime(SEED_EPOCH_MS + int(rng.random() * SEED_SPAN_MS))
        contact["ContactGroups"] = []
        if rng.random() < 0.25:
            contact["Website"] = f"https://www.example-{number}.com"
        contact["IsSupplier"] = is_supplier
        contact["IsCustomer"] = is_customer
        if rng.random() < 0.1:
            contact["DefaultCurrency"] = _pick(rng, ENABLED_CURRENCIES)
        contact["ContactPersons"] = []
        contact["HasAttachments"] = False
        contact["HasValidationErrors"] = False
        if is_customer:
            outstanding = round(rng.random() * 5000, 2) if rng.random() < 0.3 else 0.0
            contact["Balances"] = {
                "AccountsReceivable": {"Outstanding": outstanding, "Overdue": round(outstanding / 3, 2)}
            }
        return contact


def _long_name(rng: random.Random) -> str:
    words, length = [], 0
    while length < LONG_NAME_LENGTH:
        words.append(_pick(rng, COMPANY_WORDS_A + COMPANY_WORDS_B))
        length += len(words[-1]) + 1
    name = " ".join(words)[: LONG_NAME_LENGTH - 1].rstrip()
    return name + "." * (LONG_NAME_LENGTH - len(name))


def _email(first, last, number: int, rng: random.Random) -> str:
    local = f"{first}.{last}".lower() if first else f"accounts{number}"
    local = _NOT_EMAIL_LOCAL.sub("", local)
    return f"{local or 'info'}{number}@{_pick(rng, ('example.com', 'example.co.nz', 'example.org'))}"


def _addresses(rng: random.Random) -> list:
    city, region, postal_prefix, country = _pick(rng, CITIES)
    street = {
        "AddressType": "STREET",
        "AddressLine1": f"{_between(rng, 1, 400)} {_pick(rng, STREETS)}",
        "City": city,
        "Region": region,
        "PostalCode": f"{postal_prefix}{_between(rng, 10, 99)}",
        "Country": country,
    }
    if rng.random() < 0.5:
        pobox = {
            "AddressType": "POBOX",
            "AddressLine1": f"PO Box {_between(rng, 100, 99999)}",
            "City": city,
            "Region": region,
            "PostalCode": f"{postal_prefix}{_between(rng, 10, 99)}",
            "Country": country,
        }
    else:
        pobox = {"AddressType": "POBOX", "City": "", "Region": "", "PostalCode": "", "Country": ""}
    return [pobox, street]


def _phones(rng: random.Random) -> list:
    phones = [{"PhoneType": "DEFAULT", "PhoneNumber": "", "PhoneAreaCode": "", "PhoneCountryCode": ""}]
    if rng.random() < 0.8:
        phones[0] = {
            "PhoneType": "DEFAULT",
            "PhoneNumber": f"{_between(rng, 200, 999)}-{_between(rng, 1000, 9999)}",
            "PhoneAreaCode": f"0{_between(rng, 2, 9)}",
            "PhoneCountryCode": _pick(rng, ("64", "61", "1", "44")),
        }
    if rng.random() < 0.4:
        phones.append(
            {
                "PhoneType": "MOBILE",
                "PhoneNumber": f"{_between(rng, 100, 999)} {_between(rng, 1000, 9999)}",
                "PhoneAreaCode": "021",
                "PhoneCountryCode": "64",
            }
        )
    phones.append({"PhoneType": "FAX", "PhoneNumber": "", "PhoneAreaCode": "", "PhoneCountryCode": ""})
    return phones


# random.Random.choice/randint are pure Python and dominate seeding time; these use the C-level random().
def _pick(rng: random.Random, options):
    return options[int(rng.random() * len(options))]


def _between(rng: random.Random, low: int, high: int) -> int:
    return low + int(rng.random() * (high - low + 1))
