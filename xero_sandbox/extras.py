"""Per-organisation state added for issues 14 and 15, and its deterministic seed.

``seed_extras`` runs at the end of ``Tenant.__init__`` and gives every tenant:

* ``contact_groups``: ContactGroupID -> group dict (Name, Status) and ``group_members``:
  ContactGroupID -> {ContactID: None} in insertion order (seeded: three groups, ~10% / ~5% / 0% of the
  active contacts; members carry the group in their ``ContactGroups``);
* ``tracking_categories``: two active categories with options (one option archived) and one
  archived category;
* ``payments``, ``credit_notes`` (by id), ``attachments`` ((kind, id) -> list) and the credit
  note number sequence;
* ``branding_themes`` (and ``branding_themes_by_id``): three themes, "Standard" first (SortOrder 0);
* with ``demo_terms`` (``python -m xero_sandbox``, the demo), the first active customers by name get sales
  terms of their own (payment terms of each type, and on the first one currency, tax type, account,
  tracking, branding theme and discount);
* ``high_volume_threshold``: above this many contacts, unoptimised Contacts filters are refused
  (Xero: about 100,000; the control API lowers it for tests).

Random draws come from their own streams, so the contacts of a seed are the same as before.
"""

from .data import ENABLED_CURRENCIES, seeded_uuid, tenant_rng
from .formats import ms_datetime

HIGH_VOLUME_THRESHOLD = 100_000

# (Name, share of active contacts that are members)
SEED_GROUPS = (("Retainer clients", 0.10), ("Key accounts", 0.05), ("Prospects", 0.0))

# (Name, Status, [(option, status)])
SEED_TRACKING = (
    ("Region", "ACTIVE", [("North", "ACTIVE"), ("South", "ACTIVE"), ("East", "ACTIVE"), ("West", "ARCHIVED")]),
    ("Department", "ACTIVE", [("Consulting", "ACTIVE"), ("Development", "ACTIVE"), ("Support", "ACTIVE")]),
    ("Legacy Cost Centre", "ARCHIVED", [("Old", "ACTIVE")]),
)


SEED_THEMES = ("Standard", "Special Projects", "Very orange invoice!")
THEME_EPOCH_MS = 1_420_070_400_000  # 2015-01-01


def seed_extras(tenant, seed: int, demo_terms: bool = False) -> None:
    tenant.payments = {}
    tenant.credit_notes = {}
    tenant.attachments = {}
    tenant.next_credit_note_number = 1
    tenant.high_volume_threshold = HIGH_VOLUME_THRESHOLD
    _seed_groups(tenant, seed)
    tenant.tracking_categories = _seed_tracking(tenant, seed)
    seed_branding_themes(tenant, seed)
    if demo_terms:
        seed_demo_terms(tenant)


def group_ref(group: dict) -> dict:
    """A group as it appears in a contact's ``ContactGroups``."""
    return {"ContactGroupID": group["ContactGroupID"], "Name": group["Name"], "Status": group["Status"]}


def _seed_groups(tenant, seed: int) -> None:
    rng = tenant_rng(seed, tenant.index, "contact-groups")
    tenant.contact_groups, tenant.group_members = {}, {}
    groups = []
    for name, _share in SEED_GROUPS:
        group = {"ContactGroupID": seeded_uuid(rng), "Name": name, "Status": "ACTIVE"}
        tenant.contact_groups[group["ContactGroupID"]] = group
        tenant.group_members[group["ContactGroupID"]] = {}
        groups.append(group)
    for record in tenant.contacts.values():
        if record.status != "ACTIVE" or len(record.data["Name"]) > 255:
            continue  # (the SDK's Contact model refuses the seed's 500-character names)
        refs = []
        for group, (_name, share) in zip(groups, SEED_GROUPS, strict=True):
            if rng.random() < share:
                tenant.group_members[group["ContactGroupID"]][record.contact_id] = None
                refs.append(group_ref(group))
        if refs:
            record.replace(dict(record.data, ContactGroups=refs))


def _seed_tracking(tenant, seed: int) -> list:
    rng = tenant_rng(seed, tenant.index, "tracking")
    categories = []
    for name, status, options in SEED_TRACKING:
        category_id = seeded_uuid(rng)
        categories.append(
            {
                "TrackingCategoryID": category_id,
                "Name": name,
                "Status": status,
                "Options": [
                    {
                        "TrackingOptionID": seeded_uuid(rng),
                        "Name": option,
                        "Status": option_status,
                        "TrackingCategoryID": category_id,
                    }
                    for option, option_status in options
                ],
            }
        )
    return categories


def seed_branding_themes(tenant, seed: int) -> None:
    rng = tenant_rng(seed, tenant.index, "branding-themes")
    tenant.branding_themes = [
        {
            "BrandingThemeID": seeded_uuid(rng),
            "Name": name,
            "LogoUrl": f"https://in.xero.com/logo?id={order}",
            "Type": "INVOICE",
            "SortOrder": order,
            "CreatedDateUTC": ms_datetime(THEME_EPOCH_MS + order * 86_400_000),
        }
        for order, name in enumerate(SEED_THEMES)
    ]
    tenant.branding_themes_by_id = {theme["BrandingThemeID"]: theme for theme in tenant.branding_themes}


def branding_errors(tenant, invoice: dict) -> list:
    theme_id = invoice.get("BrandingThemeID")
    if theme_id and str(theme_id).lower() not in tenant.branding_themes_by_id:
        return [f"The BrandingThemeID '{theme_id}' is not valid for this organisation."]
    return []


def seed_demo_terms(tenant) -> None:
    """The first active customers (by name) get sales terms of their own, one payment-terms type each."""
    customers = sorted(
        (r for r in tenant.contacts.values() if r.status == "ACTIVE" and r.data.get("IsCustomer")),
        key=lambda r: r.data["Name"].casefold(),
    )
    revenue = [a["Code"] for a in tenant.accounts if a.get("Class") == "REVENUE" and a["Status"] == "ACTIVE"]
    sales_tax = [t["TaxType"] for t in tenant.tax_rates if t.get("CanApplyToRevenue") and t["Status"] == "ACTIVE"]
    region = next((c for c in tenant.tracking_categories if c["Status"] == "ACTIVE"), None)
    terms = (("OFFOLLOWINGMONTH", 20), ("DAYSAFTERBILLDATE", 14), ("DAYSAFTERBILLMONTH", 7), ("OFCURRENTMONTH", 28))
    for record, (term_type, day) in zip(customers, terms, strict=False):
        data = dict(record.data, PaymentTerms={"Sales": {"Day": day, "Type": term_type}})
        if term_type == "OFFOLLOWINGMONTH":
            theme = tenant.branding_themes[1]
            data.update(
                BrandingTheme={"BrandingThemeID": theme["BrandingThemeID"], "Name": theme["Name"]},
                Discount=5.0,
                DefaultCurrency=ENABLED_CURRENCIES[0],
            )
            if revenue:
                data["SalesDefaultAccountCode"] = revenue[-1]
            if sales_tax:
                data["AccountsReceivableTaxType"] = sales_tax[0]
            if region:
                option = next(o for o in region["Options"] if o["Status"] == "ACTIVE")
                data["SalesTrackingCategories"] = [
                    {"TrackingCategoryName": region["Name"], "TrackingOptionName": option["Name"]}
                ]
        record.replace(data)
