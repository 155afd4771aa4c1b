"""ContactGroups: GET (where/order), GET by id with its Contacts, PUT create, POST update/delete,
PUT /ContactGroups/{id}/Contacts (add), DELETE one or all contacts; and the control operations.

A member's ``ContactGroups`` lists its ACTIVE groups ({ContactGroupID, Name, Status}); Xero returns
it on paged and by-id contact reads only (``ContactRecord.unpaged_json``). Membership changes do
not move the contact's UpdatedDateUTC (unconfirmed for Xero; the sandbox leaves it).
"""

import uuid

from werkzeug.routing import Rule
from werkzeug.wrappers import Response

from . import errors
from .accounting import API_PREFIX, CONTACTS_READ, CONTACTS_WRITE, _collection, _filter_where, _order, register
from .extras import group_ref
from .where import WhereError

GROUP_FIELDS = frozenset(("Name", "Status", "ContactGroupID"))
GROUP_ORDER_FIELDS = {"name": "Name", "status": "Status", "contactgroupid": "ContactGroupID"}


def rules() -> list:
    api = API_PREFIX
    return [
        Rule(f"{api}/ContactGroups", endpoint="api:contact_groups", methods=["GET"]),
        Rule(f"{api}/ContactGroups", endpoint="api:contact_groups_put", methods=["PUT"]),
        Rule(f"{api}/ContactGroups/<group_id>", endpoint="api:contact_group", methods=["GET"]),
        Rule(f"{api}/ContactGroups/<group_id>", endpoint="api:contact_group_post", methods=["POST"]),
        Rule(f"{api}/ContactGroups/<group_id>/Contacts", endpoint="api:contact_group_add", methods=["PUT"]),
        Rule(f"{api}/ContactGroups/<group_id>/Contacts", endpoint="api:contact_group_clear", methods=["DELETE"]),
        Rule(
            f"{api}/ContactGroups/<group_id>/Contacts/<contact_id>",
            endpoint="api:contact_group_remove",
            methods=["DELETE"],
        ),
    ]


# --- state changes (callers hold store.lock) ---------------------------------------------------------------
def _refresh_refs(tenant, contact_id: str) -> None:
    record = tenant.contacts.get(contact_id)
    if record is None:
        return
    refs = [
        group_ref(tenant.contact_groups[group_id])
        for group_id, members in tenant.group_members.items()
        if contact_id in members and tenant.contact_groups[group_id]["Status"] == "ACTIVE"
    ]
    if refs != (record.data.get("ContactGroups") or []):
        record.replace(dict(record.data, ContactGroups=refs))


def add_members(tenant, group_id: str, contact_ids: list) -> None:
    members = tenant.group_members[group_id]
    for contact_id in contact_ids:
        members[contact_id] = None
        _refresh_refs(tenant, contact_id)


def remove_members(tenant, group_id: str, contact_ids: list) -> None:
    members = tenant.group_members[group_id]
    for contact_id in contact_ids:
        members.pop(contact_id, None)
        _refresh_refs(tenant, contact_id)


def create_group(tenant, name: str) -> dict:
    group = {"ContactGroupID": str(uuid.uuid4()), "Name": name, "Status": "ACTIVE"}
    tenant.contact_groups[group["ContactGroupID"]] = group
    tenant.group_members[group["ContactGroupID"]] = {}
    return group


def update_group(tenant, group_id: str, name: str = None, status: str = None) -> dict:
    group = dict(tenant.contact_groups[group_id])
    if name:
        group["Name"] = name
    if status == "DELETED":
        group["Status"] = "DELETED"
    tenant.contact_groups[group_id] = group
    members = list(tenant.group_members[group_id])
    if group["Status"] == "DELETED":  # Xero empties a deleted group
        tenant.group_members[group_id] = {}
    for contact_id in members:
        _refresh_refs(tenant, contact_id)
    return group


def group_with_contacts(tenant, group: dict) -> dict:
    contacts = []
    for contact_id in tenant.group_members[group["ContactGroupID"]]:
        record = tenant.contacts.get(contact_id)
        if record is not None:
            contacts.append({"ContactID": contact_id, "Name": record.data["Name"]})
    return dict(group, Contacts=contacts)


def name_problem(tenant, name, except_id=None):
    if not isinstance(name, str) or not name.strip():
        return "The contact group name must be specified."
    if len(name) > 255:
        return "The contact group name must be 255 characters or less."
    for group in tenant.contact_groups.values():
        same = group["Name"].casefold() == name.casefold()
        if same and group["Status"] == "ACTIVE" and group["ContactGroupID"] != except_id:
            return f"The contact group name '{name}' is already in use."
    return None


# --- API handlers -----------------------------------------------------------------------------------------------
def get_contact_groups(api, call):
    with api.store.lock:
        groups = list(call.tenant.contact_groups.values())
    try:
        groups = _filter_where(groups, call.request.args.get("where"), "ContactGroup", GROUP_FIELDS)
        groups = _order(groups, call.request.args.get("order"), GROUP_ORDER_FIELDS, "ContactGroup")
    except WhereError as exc:
        return errors.query_parse_exception(str(exc))
    return api.envelope("ContactGroups", groups)


def get_contact_group(api, call, group_id):
    with api.store.lock:
        group = call.tenant.contact_groups.get(group_id.lower())
        if group is None:
            return errors.not_found()
        return api.envelope("ContactGroups", [group_with_contacts(call.tenant, group)])


def create_contact_groups(api, call):
    elements, problem = _collection(call.request, "ContactGroups")
    if problem is not None:
        return problem
    with api.store.lock:
        batch, failed = set(), []
        for element in elements:
            name = element.get("Name")
            message = name_problem(call.tenant, name)
            if message is None and name.casefold() in batch:
                message = f"The contact group name '{name}' is already in use."
            if message:
                failed.append(dict(element, ValidationErrors=[{"Message": message}]))
            else:
                batch.add(name.casefold())
        if failed:
            return errors.validation_exception(failed)
        created = [create_group(call.tenant, element["Name"]) for element in elements]
    return api.envelope("ContactGroups", created)


def update_contact_group(api, call, group_id):
    elements, problem = _collection(call.request, "ContactGroups")
    if problem is not None:
        return problem
    with api.store.lock:
        group = call.tenant.contact_groups.get(group_id.lower())
        if group is None:
            return errors.not_found()
        element = elements[0] if elements else {}
        name, status = element.get("Name"), element.get("Status")
        message = name_problem(call.tenant, name, except_id=group["ContactGroupID"]) if name is not None else None
        if status not in (None, "ACTIVE", "DELETED"):
            message = f"Contact group status '{status}' is not valid."
        if status == "ACTIVE" and group["Status"] == "DELETED":
            message = "A deleted contact group cannot be restored."
        if message:
            return errors.validation_exception([dict(element, ValidationErrors=[{"Message": message}])])
        updated = update_group(call.tenant, group["ContactGroupID"], name=name, status=status)
    return api.envelope("ContactGroups", [updated])


def add_group_contacts(api, call, group_id):
    elements, problem = _collection(call.request, "Contacts")
    if problem is not None:
        return problem
    with api.store.lock:
        group = call.tenant.contact_groups.get(group_id.lower())
        if group is None:
            return errors.not_found()
        if group["Status"] != "ACTIVE":
            return errors.single_validation_error("Contacts cannot be added to a deleted contact group.")
        ids, failed = [], []
        for element in elements:
            contact_id = str(element.get("ContactID") or "").lower()
            if contact_id not in call.tenant.contacts:
                failed.append(dict(element, ValidationErrors=[{"Message": "The contact could not be found."}]))
            ids.append(contact_id)
        if failed:
            return errors.validation_exception(failed)
        add_members(call.tenant, group["ContactGroupID"], ids)
        added = [{"ContactID": cid, "Name": call.tenant.contacts[cid].data["Name"]} for cid in ids]
    return api.envelope("Contacts", added)


def remove_group_contact(api, call, group_id, contact_id):
    with api.store.lock:
        group = call.tenant.contact_groups.get(group_id.lower())
        if group is None or contact_id.lower() not in call.tenant.contacts:
            return errors.not_found()
        if contact_id.lower() not in call.tenant.group_members[group["ContactGroupID"]]:
            return errors.single_validation_error("The contact is not a member of this contact group.")
        remove_members(call.tenant, group["ContactGroupID"], [contact_id.lower()])
    return Response(status=204)


def clear_group_contacts(api, call, group_id):
    with api.store.lock:
        group = call.tenant.contact_groups.get(group_id.lower())
        if group is None:
            return errors.not_found()
        remove_members(call.tenant, group["ContactGroupID"], list(call.tenant.group_members[group["ContactGroupID"]]))
    return Response(status=204)


register("contact_groups", CONTACTS_READ, get_contact_groups)
register("contact_group", CONTACTS_READ, get_contact_group)
register("contact_groups_put", CONTACTS_WRITE, create_contact_groups)
register("contact_group_post", CONTACTS_WRITE, update_contact_group)
register("contact_group_add", CONTACTS_WRITE, add_group_contacts)
register("contact_group_remove", CONTACTS_WRITE, remove_group_contact)
register("contact_group_clear", CONTACTS_WRITE, clear_group_contacts)
