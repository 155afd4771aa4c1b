"""Per-organisation state added for issues 14 and 15, and its deterministic seed.

``seed_extras`` runs at the end of ``Tenant.__init__`` and gives every tenant:

* ``contact_groups``: ContactGroupID -> group dict (Name, Status) and ``group_members``:
  ContactGroupID -> {ContactID: None} in insertion order (seeded: three groups, ~10% / ~5% / 0% of the
  active contacts; members carry the group in their ``ContactGroups``);
* ``tracking_categories``: two active categories with options (one option archived) and one
  archived category;
* ``payments``, ``credit_notes`` (by id), ``attachments`` ((kind, id) -> list) and the credit
  note number sequence;
* ``high_volume_threshold``: above this many contacts, unoptimised Contacts filters are refused
  (Xero: about 100,000; the control API lowers it for tests).

Random draws come from their own streams, so the contacts of a seed are the same as before.
"""

from .data import seeded_uuid, tenant_rng

HIGH_VOLUME_THRESHOLD = 100_000

# (Name, share of active contacts that are members)
SEED_GROUPS = (("Retainer clients", 0.10), ("Key accounts", 0.05), ("Prospects", 0.0))

# (Name, Status, [(option, status)])
SEED_TRACKING = (
    ("Region", "ACTIVE", [("North", "ACTIVE"), ("South", "ACTIVE"), ("East", "ACTIVE"), ("West", "ARCHIVED")]),
    ("Department", "ACTIVE", [("Consulting", "ACTIVE"), ("Development", "ACTIVE"), ("Support", "ACTIVE")]),
    ("Legacy Cost Centre", "ARCHIVED", [("Old", "ACTIVE")]),
)


def seed_extras(tenant, seed: int) -> None:
    tenant.payments = {}
    tenant.credit_notes = {}
    tenant.attachments = {}
    tenant.next_credit_note_number = 1
    tenant.high_volume_threshold = HIGH_VOLUME_THRESHOLD
    _seed_groups(tenant, seed)
    tenant.tracking_categories = _seed_tracking(tenant, seed)


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
