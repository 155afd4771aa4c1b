"""Contact merges, as Xero does them: contact A merged into B comes back ARCHIVED with
``MergedToContactID`` = B and a new UpdatedDateUTC; its invoices and credit notes move to B.

Xero returns MergedToContactID only on paged (``page=``) and by-id reads, not on unpaged lists
(``ContactRecord.unpaged_json``). B inherits A's IsCustomer/IsSupplier flags; B's own
UpdatedDateUTC does not move (unconfirmed for Xero). Auto webhooks send a CONTACT UPDATE for A and
an INVOICE / CREDITNOTE UPDATE for every moved document.
"""

import copy

from .events import notify
from .formats import iso_utc_seconds, ms_datetime
from .invoices import attach_contact


def merge_contact(sandbox, tenant_id: str, from_id: str, into_id: str) -> dict:
    from .core import SandboxError

    tenant = sandbox.tenant_or_fail(tenant_id)
    with sandbox.store.lock:
        merged = tenant.contacts.get((from_id or "").lower())
        survivor = tenant.contacts.get((into_id or "").lower())
        if merged is None or survivor is None:
            raise SandboxError(f"unknown contact {from_id if merged is None else into_id!r}", status=404)
        if merged.contact_id == survivor.contact_id:
            raise SandboxError("a contact cannot be merged into itself")
        if merged.data.get("MergedToContactID"):
            raise SandboxError(f"contact {from_id!r} is already merged")
        if survivor.status != "ACTIVE":
            raise SandboxError("the contact merged into must be active")
        now = sandbox.clock.tick_ms()
        tenant.put_contact(
            dict(
                merged.data,
                ContactStatus="ARCHIVED",
                MergedToContactID=survivor.contact_id,
                UpdatedDateUTC=ms_datetime(now),
            )
        )
        roles = {role: True for role in ("IsCustomer", "IsSupplier") if merged.data.get(role)}
        if any(not survivor.data.get(role) for role in roles):
            survivor.replace(dict(survivor.data, **roles))
        moved = {"INVOICE": [], "CREDITNOTE": []}
        for category, documents, key in (
            ("INVOICE", tenant.invoices, "InvoiceID"),
            ("CREDITNOTE", tenant.credit_notes, "CreditNoteID"),
        ):
            for document in list(documents.values()):
                if (document.get("Contact") or {}).get("ContactID") == merged.contact_id:
                    moved_document = dict(document)
                    attach_contact(moved_document, survivor.data)
                    stamp = sandbox.clock.tick_ms()
                    moved_document["UpdatedDateUTC"] = ms_datetime(stamp)
                    moved_document["UpdatedDateUTCString"] = iso_utc_seconds(stamp)
                    documents[document[key]] = moved_document
                    moved[category].append(document[key])
        result = {
            "merged": copy.deepcopy(tenant.contacts[merged.contact_id].data),
            "into": copy.deepcopy(survivor.data),
            "moved_invoice_ids": moved["INVOICE"],
            "moved_credit_note_ids": moved["CREDITNOTE"],
        }
    sandbox._notify(tenant, merged.contact_id, "UPDATE")
    for category, ids in moved.items():
        for document_id in ids:
            notify(sandbox, tenant, category, document_id, "UPDATE")
    return result
