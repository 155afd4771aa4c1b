"""ContactGroups through xero-python: seeded groups, where/order, members, create/rename/delete, and
contacts' ContactGroups on paged and by-id reads only."""

import json
import uuid

import pytest
from xero_python.accounting import Contact, ContactGroup, ContactGroups, Contacts
from xero_python.exceptions import AccountingBadRequestException, NotFoundException


def _value(field):
    return getattr(field, "value", field)


@pytest.fixture
def fresh_contacts(sandbox, tenant_id):
    return [sandbox.control.add_contact(tenant_id, name=f"Grouped {uuid.uuid4().hex[:8]}") for _ in range(3)]


def test_seeded_groups_are_listed_and_filtered(sandbox, sdk, tenant_id):
    seeded = {g["Name"]: g for g in sandbox.control.contact_groups(tenant_id)}
    assert {"Retainer clients", "Key accounts", "Prospects"} <= set(seeded)
    assert 0.05 * 10000 < len(seeded["Retainer clients"]["Contacts"]) < 0.15 * 10000
    assert seeded["Prospects"]["Contacts"] == []
    listed = sdk.accounting.get_contact_groups(tenant_id, order="Name ASC").contact_groups
    names = [group.name for group in listed]
    assert names == sorted(names, key=str.casefold) and {"Key accounts", "Prospects"} <= set(names)
    only = sdk.accounting.get_contact_groups(tenant_id, where='Name=="Key accounts"').contact_groups
    assert [(g.name, _value(g.status)) for g in only] == [("Key accounts", "ACTIVE")]
    with pytest.raises(AccountingBadRequestException):
        sdk.accounting.get_contact_groups(tenant_id, where='Colour=="red"')


def test_group_by_id_lists_its_contacts(sandbox, sdk, tenant_id):
    seeded = next(g for g in sandbox.control.contact_groups(tenant_id) if g["Name"] == "Key accounts")
    group = sdk.accounting.get_contact_group(tenant_id, seeded["ContactGroupID"]).contact_groups[0]
    assert group.name == "Key accounts"
    assert [c.contact_id for c in group.contacts] == [c["ContactID"] for c in seeded["Contacts"]]
    with pytest.raises(NotFoundException):
        sdk.accounting.get_contact_group(tenant_id, str(uuid.uuid4()))


def test_members_carry_the_group_on_paged_and_by_id_reads_only(sandbox, sdk, tenant_id, fresh_contacts):
    group = sandbox.control.create_contact_group(tenant_id, f"Paged only {uuid.uuid4().hex[:6]}")
    member = fresh_contacts[0]["ContactID"]
    sandbox.control.add_to_group(tenant_id, group["ContactGroupID"], [member])
    by_id = sdk.accounting.get_contact(tenant_id, member).contacts[0]
    assert [g.contact_group_id for g in by_id.contact_groups] == [group["ContactGroupID"]]
    paged = json.loads(sdk.accounting.get_contacts(tenant_id, i_ds=[member], page=1, _preload_content=False).data)
    assert paged["Contacts"][0]["ContactGroups"][0]["Name"] == group["Name"]
    unpaged = json.loads(sdk.accounting.get_contacts(tenant_id, i_ds=[member], _preload_content=False).data)
    assert unpaged["Contacts"][0]["ContactGroups"] == []
    sandbox.control.remove_from_group(tenant_id, group["ContactGroupID"], [member])
    assert sdk.accounting.get_contact(tenant_id, member).contacts[0].contact_groups == []


def test_create_rename_fill_empty_and_delete_a_group(sdk, tenant_id, fresh_contacts):
    name = f"Created {uuid.uuid4().hex[:6]}"
    created = sdk.accounting.create_contact_group(
        tenant_id, ContactGroups(contact_groups=[ContactGroup(name=name)])
    ).contact_groups[0]
    assert created.name == name and _value(created.status) == "ACTIVE"
    with pytest.raises(AccountingBadRequestException, match="already in use"):
        sdk.accounting.create_contact_group(tenant_id, ContactGroups(contact_groups=[ContactGroup(name=name)]))
    group_id = created.contact_group_id
    ids = [c["ContactID"] for c in fresh_contacts]
    added = sdk.accounting.create_contact_group_contacts(
        tenant_id, group_id, Contacts(contacts=[Contact(contact_id=cid) for cid in ids])
    ).contacts
    assert [c.contact_id for c in added] == ids
    renamed = sdk.accounting.update_contact_group(
        tenant_id, group_id, ContactGroups(contact_groups=[ContactGroup(name=f"{name} (renamed)")])
    ).contact_groups[0]
    assert renamed.name == f"{name} (renamed)"
    assert sdk.accounting.get_contact(tenant_id, ids[0]).contacts[0].contact_groups[0].name == renamed.name
    sdk.accounting.delete_contact_group_contact(tenant_id, group_id, ids[0])
    members = sdk.accounting.get_contact_group(tenant_id, group_id).contact_groups[0].contacts
    assert [c.contact_id for c in members] == ids[1:]
    with pytest.raises(AccountingBadRequestException, match="not a member"):
        sdk.accounting.delete_contact_group_contact(tenant_id, group_id, ids[0])
    sdk.accounting.delete_contact_group_contacts(tenant_id, group_id)
    assert sdk.accounting.get_contact_group(tenant_id, group_id).contact_groups[0].contacts == []
    sdk.accounting.create_contact_group_contacts(tenant_id, group_id, Contacts(contacts=[Contact(contact_id=ids[1])]))
    deleted = sdk.accounting.update_contact_group(
        tenant_id, group_id, ContactGroups(contact_groups=[ContactGroup(status="DELETED")])
    ).contact_groups[0]
    assert _value(deleted.status) == "DELETED"
    assert sdk.accounting.get_contact(tenant_id, ids[1]).contacts[0].contact_groups == []
    with pytest.raises(AccountingBadRequestException, match="deleted"):
        sdk.accounting.create_contact_group_contacts(
            tenant_id, group_id, Contacts(contacts=[Contact(contact_id=ids[2])])
        )


def test_adding_an_unknown_contact_is_refused(sandbox, sdk, tenant_id):
    group = sandbox.control.create_contact_group(tenant_id, f"Strict {uuid.uuid4().hex[:6]}")
    with pytest.raises(AccountingBadRequestException, match="could not be found"):
        sdk.accounting.create_contact_group_contacts(
            tenant_id, group["ContactGroupID"], Contacts(contacts=[Contact(contact_id=str(uuid.uuid4()))])
        )


def test_groups_need_the_contacts_scope(sandbox, kit, tenant_id):
    token = kit.connect(sandbox, scope="offline_access accounting.settings.read", tenant_ids=[tenant_id])
    status, _, body = kit.raw(sandbox, "GET", "/api.xro/2.0/ContactGroups", token["access_token"], tenant_id)
    assert status == 401 and body["Detail"] == "AuthorizationUnsuccessful"
    read_only = kit.connect(sandbox, scope="offline_access accounting.contacts.read", tenant_ids=[tenant_id])
    assert kit.raw(sandbox, "GET", "/api.xro/2.0/ContactGroups", read_only["access_token"], tenant_id)[0] == 200
    status, _, _ = kit.raw(
        sandbox,
        "PUT",
        "/api.xro/2.0/ContactGroups",
        read_only["access_token"],
        tenant_id,
        body={"ContactGroups": [{"Name": "Nope"}]},
    )
    assert status == 401
