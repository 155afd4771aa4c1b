"""Xero Projects in the sandbox through xero-python: projects, projects users, tasks and time entries,
validation, scopes, Idempotency-Key replays and the shared rate budget. Every exchange is checked
against xero-projects.yaml (conftest.SpecChecker)."""

import datetime as dt

import pytest
import urllib3
from xero_python.exceptions import BadRequestException, HTTPStatusException, NotFoundException, RateLimitException
from xero_python.project import ProjectApi
from xero_python.project.models import (
    Amount,
    ChargeType,
    CurrencyCode,
    ProjectCreateOrUpdate,
    ProjectPatch,
    ProjectStatus,
    TaskCreateOrUpdate,
    TimeEntryCreateOrUpdate,
)

from xero_sandbox.testing import SandboxServer

PROJECTS_SCOPES = "openid offline_access accounting.settings projects"
NO_LIMITS = {"minute": -1, "day": -1, "concurrent": -1, "app_minute": -1}
MONDAY = dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.timezone.utc)


@pytest.fixture(scope="module")
def projects_sandbox(recorder, projects_spec, kit):
    server = SandboxServer(
        contacts=5,
        seed=11,
        orgs=1,
        client_id=kit.CLIENT_ID,
        client_secret=kit.CLIENT_SECRET,
        redirect_uris=[kit.REDIRECT_URI],
        rate_limits=NO_LIMITS,
        wsgi_middleware=recorder.wrap,
    )
    with server:
        server.tenant = server.tenants[0]["tenant_id"]
        server.token = kit.connect(server, scope=PROJECTS_SCOPES, tenant_ids=[server.tenant])
        yield server


@pytest.fixture(autouse=True)
def fresh_projects(projects_sandbox):
    projects_sandbox.control.reset()


def _api(sandbox, kit, token=None):
    return ProjectApi(
        kit.sdk_for(sandbox, token or sandbox.token).api_client, base_url=f"{sandbox.url}/projects.xro/2.0"
    )


def _contact_id(sandbox):
    return sandbox.control.contacts(sandbox.tenant)[0]["ContactID"]


def _task(name="Consulting", charge=ChargeType.TIME, value=150.0):
    return TaskCreateOrUpdate(name=name, rate=Amount(currency=CurrencyCode.NZD, value=value), charge_type=charge)


def _entry(user_id, task_id, minutes=90, when=MONDAY, description="Workshop"):
    return TimeEntryCreateOrUpdate(
        user_id=user_id, task_id=task_id, date_utc=when, duration=minutes, description=description
    )


def _project_with_task(sandbox, api, name="Website rebuild"):
    project = api.create_project(sandbox.tenant, ProjectCreateOrUpdate(name=name, contact_id=_contact_id(sandbox)))
    task = api.create_task(sandbox.tenant, project.project_id, _task())
    return project, task


def _stored(sandbox):
    return sandbox.control.projects(sandbox.tenant)


def test_projects_users_and_projects(projects_sandbox, kit):
    api, tenant = _api(projects_sandbox, kit), projects_sandbox.tenant
    added = projects_sandbox.control.add_projects_user(tenant, "Pat Contractor", "pat@example.com")
    users = api.get_project_users(tenant)
    assert {u.email for u in users.items} >= {"aroha.ngata@example.com", "pat@example.com"}
    assert users.pagination.item_count == 4 and str(users.items[-1].user_id) == added["userId"]
    contact = _contact_id(projects_sandbox)
    deadline = dt.datetime(2027, 1, 31, tzinfo=dt.timezone.utc)
    project = api.create_project(
        tenant,
        ProjectCreateOrUpdate(name="Audit 2026", contact_id=contact, estimate_amount=1200.0, deadline_utc=deadline),
    )
    assert project.status == ProjectStatus.INPROGRESS and str(project.contact_id) == contact
    assert project.currency_code == CurrencyCode.NZD and project.estimate.value == 1200.0
    assert api.get_project(tenant, project.project_id).name == "Audit 2026"
    api.update_project(tenant, project.project_id, ProjectCreateOrUpdate(name="Audit FY2026", contact_id=contact))
    api.patch_project(tenant, project.project_id, ProjectPatch(status=ProjectStatus.CLOSED))
    stored = _stored(projects_sandbox)["projects"][0]
    assert (stored["name"], stored["status"]) == ("Audit FY2026", "CLOSED")
    assert [p.project_id for p in api.get_projects(tenant, states="CLOSED", contact_id=contact).items] == [
        project.project_id
    ]
    assert api.get_projects(tenant, states="INPROGRESS").items == []
    with pytest.raises(NotFoundException):
        api.get_project(tenant, "00000000-0000-4000-8000-000000000000")


def test_tasks(projects_sandbox, kit):
    api, tenant = _api(projects_sandbox, kit), projects_sandbox.tenant
    project, task = _project_with_task(projects_sandbox, api)
    fixed = api.create_task(tenant, project.project_id, _task("Setup fee", ChargeType.FIXED, 500.0))
    assert task.charge_type == ChargeType.TIME and task.rate.value == 150.0 and task.status == "ACTIVE"
    assert {t.task_id for t in api.get_tasks(tenant, project.project_id).items} == {task.task_id, fixed.task_id}
    assert [t.task_id for t in api.get_tasks(tenant, project.project_id, charge_type=ChargeType.FIXED).items] == [
        fixed.task_id
    ]
    api.update_task(tenant, project.project_id, task.task_id, _task("Consulting (senior)", value=180.0))
    assert api.get_task(tenant, project.project_id, task.task_id).rate.value == 180.0
    api.delete_task(tenant, project.project_id, fixed.task_id)
    assert [t["taskId"] for t in _stored(projects_sandbox)["tasks"]] == [str(task.task_id)]
    user = api.get_project_users(tenant).items[0]
    api.create_time_entry(tenant, project.project_id, _entry(user.user_id, task.task_id))
    with pytest.raises(BadRequestException) as raised:
        api.delete_task(tenant, project.project_id, task.task_id)
    assert "taskId" in raised.value.error_data["modelState"]
    with pytest.raises(BadRequestException) as raised:
        api.create_task(tenant, project.project_id, _task("x" * 101))
    assert "name" in raised.value.error_data["modelState"]
    assert len(_stored(projects_sandbox)["tasks"]) == 1


def test_time_entries_and_project_totals(projects_sandbox, kit):
    api, tenant = _api(projects_sandbox, kit), projects_sandbox.tenant
    project, task = _project_with_task(projects_sandbox, api)
    first_user, second_user = api.get_project_users(tenant).items[:2]
    entry = api.create_time_entry(tenant, project.project_id, _entry(first_user.user_id, task.task_id, 90))
    assert entry.status == "ACTIVE" and entry.duration == 90 and entry.date_utc == MONDAY
    later = MONDAY + dt.timedelta(days=2)
    other = api.create_time_entry(tenant, project.project_id, _entry(second_user.user_id, task.task_id, 30, later))
    assert api.get_time_entry(tenant, project.project_id, entry.time_entry_id).description == "Workshop"
    by_user = api.get_time_entries(tenant, project.project_id, user_id=second_user.user_id)
    assert [e.time_entry_id for e in by_user.items] == [other.time_entry_id]
    after = api.get_time_entries(tenant, project.project_id, date_after_utc=MONDAY + dt.timedelta(days=1))
    assert [e.time_entry_id for e in after.items] == [other.time_entry_id]
    assert len(api.get_time_entries(tenant, project.project_id, states=["ACTIVE"], page_size=1).items) == 1
    api.update_time_entry(
        tenant, project.project_id, entry.time_entry_id, _entry(first_user.user_id, task.task_id, 120, MONDAY, "More")
    )
    totals = api.get_project(tenant, project.project_id)
    assert totals.minutes_logged == 150 and totals.minutes_to_be_invoiced == 150
    assert totals.total_task_amount.value == 375.0
    api.delete_time_entry(tenant, project.project_id, other.time_entry_id)
    assert [(e["timeEntryId"], e["duration"]) for e in _stored(projects_sandbox)["time_entries"]] == [
        (str(entry.time_entry_id), 120)
    ]


def test_time_entry_validation_errors_store_nothing(projects_sandbox, kit):
    api, tenant = _api(projects_sandbox, kit), projects_sandbox.tenant
    project, task = _project_with_task(projects_sandbox, api)
    elsewhere, foreign_task = _project_with_task(projects_sandbox, api, "Elsewhere")
    user = api.get_project_users(tenant).items[0]
    cases = [
        (_entry(user.user_id, task.task_id, 0), "duration"),
        (_entry(user.user_id, task.task_id, 59941), "duration"),
        (_entry("00000000-0000-4000-8000-000000000000", task.task_id), "userId"),
        (_entry(user.user_id, foreign_task.task_id), "taskId"),
    ]
    for entry, field in cases:
        with pytest.raises(BadRequestException) as raised:
            api.create_time_entry(tenant, project.project_id, entry)
        assert field in raised.value.error_data["modelState"], (field, raised.value.error_data)
    status, _, body = kit.raw(
        projects_sandbox,
        "POST",
        f"/projects.xro/2.0/Projects/{project.project_id}/Time",
        projects_sandbox.token["access_token"],
        tenant,
        body={"userId": str(user.user_id), "taskId": str(task.task_id), "duration": 30},
    )
    assert status == 400 and "dateUtc" in body["modelState"]
    assert _stored(projects_sandbox)["time_entries"] == []
    assert elsewhere.project_id != project.project_id


def test_closed_projects_and_invoiced_time_are_locked(projects_sandbox, kit):
    api, tenant = _api(projects_sandbox, kit), projects_sandbox.tenant
    project, task = _project_with_task(projects_sandbox, api)
    user = api.get_project_users(tenant).items[0]
    entry = api.create_time_entry(tenant, project.project_id, _entry(user.user_id, task.task_id))
    projects_sandbox.control.set_time_entry_status(tenant, str(entry.time_entry_id), "INVOICED")
    for call in (
        lambda: api.update_time_entry(
            tenant, project.project_id, entry.time_entry_id, _entry(user.user_id, task.task_id, 5)
        ),
        lambda: api.delete_time_entry(tenant, project.project_id, entry.time_entry_id),
    ):
        with pytest.raises(BadRequestException):
            call()
    api.patch_project(tenant, project.project_id, ProjectPatch(status=ProjectStatus.CLOSED))
    with pytest.raises(BadRequestException) as raised:
        api.create_time_entry(tenant, project.project_id, _entry(user.user_id, task.task_id))
    assert "closed" in raised.value.error_data["modelState"]["projectId"][0]
    assert [(e["duration"], e["status"]) for e in _stored(projects_sandbox)["time_entries"]] == [(90, "INVOICED")]


def test_idempotency_key_replays_the_first_time_entry(projects_sandbox, kit):
    api, tenant = _api(projects_sandbox, kit), projects_sandbox.tenant
    project, task = _project_with_task(projects_sandbox, api)
    user = api.get_project_users(tenant).items[0]
    entry = _entry(user.user_id, task.task_id)
    first = api.create_time_entry(tenant, project.project_id, entry, idempotency_key="odoo-line-42-v1")
    replay = api.create_time_entry(tenant, project.project_id, entry, idempotency_key="odoo-line-42-v1")
    assert replay.time_entry_id == first.time_entry_id
    again = api.create_project(tenant, ProjectCreateOrUpdate(name="Once"), idempotency_key="project-once")
    assert api.create_project(
        tenant, ProjectCreateOrUpdate(name="Once"), idempotency_key="project-once"
    ).project_id == (again.project_id)
    path = f"/projects.xro/2.0/Projects/{project.project_id}/Time"
    projects_sandbox.control.inject_fault("POST", path, "drop")  # created at Xero, the answer lost
    lost = _entry(user.user_id, task.task_id, 30)
    with pytest.raises(urllib3.exceptions.HTTPError):
        api.create_time_entry(tenant, project.project_id, lost, idempotency_key="odoo-line-43-v1")
    recovered = api.create_time_entry(tenant, project.project_id, lost, idempotency_key="odoo-line-43-v1")
    assert [e["timeEntryId"] for e in _stored(projects_sandbox)["time_entries"]] == [
        str(first.time_entry_id),
        str(recovered.time_entry_id),
    ]
    with pytest.raises(BadRequestException) as raised:  # the same key for another entry is refused, not replayed
        api.create_time_entry(
            tenant, project.project_id, _entry(user.user_id, task.task_id, 45), idempotency_key="odoo-line-42-v1"
        )
    assert "Idempotency-Key" in raised.value.error_data["modelState"]
    stored = _stored(projects_sandbox)
    assert len(stored["time_entries"]) == 2 and [p["name"] for p in stored["projects"]].count("Once") == 1


def test_scopes_are_enforced(projects_sandbox, kit):
    tenant = projects_sandbox.tenant
    read_only = _api(
        projects_sandbox, kit, kit.connect(projects_sandbox, scope="openid projects.read", tenant_ids=[tenant])
    )
    assert read_only.get_projects(tenant).items == []
    no_projects = _api(
        projects_sandbox, kit, kit.connect(projects_sandbox, scope="openid accounting.settings", tenant_ids=[tenant])
    )
    for call in (
        lambda: read_only.create_project(tenant, ProjectCreateOrUpdate(name="Refused")),
        lambda: no_projects.get_project_users(tenant),
    ):
        with pytest.raises(HTTPStatusException) as raised:
            call()
        assert raised.value.status == 401
    assert _stored(projects_sandbox)["projects"] == []


def test_projects_calls_share_the_organisation_rate_budget(projects_sandbox, kit):
    api, tenant = _api(projects_sandbox, kit), projects_sandbox.tenant
    projects_sandbox.control.set_rate_limits(minute=2)
    try:
        kit.sdk_for(projects_sandbox, projects_sandbox.token).accounting.get_organisations(tenant)
        users = api.get_project_users(tenant, _return_http_data_only=False)
        assert users[2]["X-MinLimit-Remaining"] == "0"
        with pytest.raises(RateLimitException):
            api.get_projects(tenant)
    finally:
        projects_sandbox.control.set_rate_limits(**NO_LIMITS)
    assert [r["status"] for r in projects_sandbox.control.requests("/projects.xro")] == [200, 429]
