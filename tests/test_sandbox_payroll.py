"""Xero Payroll in the sandbox through xero-python: NZ, UK and AU v2 timesheets, their employees, pay
calendars and earnings rates (AU: v1 reads), validation, scopes, Idempotency-Key replays and the shared
rate budget. Every exchange is checked against the region's spec (conftest.SpecChecker)."""

import datetime as dt
import importlib

import pytest
import urllib3
from xero_python.exceptions import BadRequestException, HTTPStatusException, NotFoundException, RateLimitException
from xero_python.payrollau import PayrollAuApi
from xero_python.payrollauv2 import PayrollAuV2Api
from xero_python.payrollnz import PayrollNzApi
from xero_python.payrolluk import PayrollUkApi

from xero_sandbox.payroll import CALENDAR_TYPES
from xero_sandbox.testing import SandboxControlError, SandboxServer

PAYROLL_SCOPES = (
    "openid offline_access accounting.settings payroll.timesheets payroll.employees.read payroll.settings.read"
)
APIS = {"NZ": (PayrollNzApi, "payrollnz"), "UK": (PayrollUkApi, "payrolluk"), "AU": (PayrollAuV2Api, "payrollauv2")}
NO_LIMITS = {"minute": -1, "day": -1, "concurrent": -1, "app_minute": -1}


@pytest.fixture(scope="module")
def payroll_sandbox(recorder, payroll_specs, spec_checker, kit):
    server = SandboxServer(
        contacts=5,
        seed=7,
        orgs=4,
        client_id=kit.CLIENT_ID,
        client_secret=kit.CLIENT_SECRET,
        redirect_uris=[kit.REDIRECT_URI],
        rate_limits=NO_LIMITS,
        wsgi_middleware=recorder.wrap,
    )
    with server:
        server.regions = {t["tenant_id"]: server.control.payroll(t["tenant_id"])["region"] for t in server.tenants}
        spec_checker.payroll_regions.update(server.regions)
        server.tenant_of = {region: tenant for tenant, region in server.regions.items()}
        server.token = kit.connect(server, scope=PAYROLL_SCOPES, tenant_ids=list(server.regions))
        yield server


@pytest.fixture(autouse=True)
def fresh_payroll(payroll_sandbox):
    payroll_sandbox.control.reset()


def _api(sandbox, kit, region, token=None, version="2.0"):
    sdk = kit.sdk_for(sandbox, token or sandbox.token)
    cls = PayrollAuApi if version == "1.0" else APIS[region][0]
    return cls(sdk.api_client, base_url=f"{sandbox.url}/payroll.xro/{version}")


def _day(value):
    return value.date() if isinstance(value, dt.datetime) else value


def _setup(sandbox, region):
    """(tenant id, employee, weekly calendar, ordinary earnings rate) from the stored seed."""
    tenant = sandbox.tenant_of[region]
    state = sandbox.control.payroll(tenant)
    calendar = next(c for c in state["calendars"] if c["calendar_type"] == "Weekly")
    employee = next(e for e in state["employees"] if e["calendar_id"] == calendar["id"])
    rate = next(r for r in state["earnings_rates"] if r["earnings_type"] == "RegularEarnings")
    return tenant, employee, calendar, rate


def _timesheet(region, employee, calendar, rate, lines=((0, 8.0),), weeks=0):
    models = importlib.import_module(f"xero_python.{APIS[region][1]}.models")
    start = dt.date.fromisoformat(calendar["period_start"]) + dt.timedelta(weeks=weeks)
    return models.Timesheet(
        payroll_calendar_id=calendar["id"],
        employee_id=employee["id"],
        start_date=start,
        end_date=start + dt.timedelta(days=6),
        timesheet_lines=[
            models.TimesheetLine(date=start + dt.timedelta(days=d), earnings_rate_id=rate["id"], number_of_units=u)
            for d, u in lines
        ],
    )


def _line(region, **fields):
    return importlib.import_module(f"xero_python.{APIS[region][1]}.models").TimesheetLine(**fields)


def _invalid_fields(raised) -> dict:
    return {f["name"]: f["reason"] for f in raised.value.error_data["problem"]["invalidFields"]}


@pytest.mark.parametrize("region", ["NZ", "UK"])
def test_employees_calendars_and_earnings_rates(payroll_sandbox, kit, region):
    api = _api(payroll_sandbox, kit, region)
    tenant = payroll_sandbox.tenant_of[region]
    added = payroll_sandbox.control.add_payroll_employee(tenant, "Dana", "Reyes", "dana@example.com")
    state = payroll_sandbox.control.payroll(tenant)
    employees = api.get_employees(tenant).employees
    assert {e.employee_id for e in employees} == {e["id"] for e in state["employees"]}
    assert next(e for e in employees if str(e.employee_id) == added["id"]).email == "dana@example.com"
    assert [str(e.employee_id) for e in api.get_employees(tenant, filter="firstName==dana").employees] == [added["id"]]
    assert str(api.get_employee(tenant, added["id"]).employee.payroll_calendar_id) == added["calendar_id"]
    calendars = api.get_pay_run_calendars(tenant).pay_run_calendars
    assert {c.payroll_calendar_id for c in calendars} == {c["id"] for c in state["calendars"]}
    assert api.get_pay_run_calendar(tenant, calendars[0].payroll_calendar_id).pay_run_calendar.name == calendars[0].name
    rates = api.get_earnings_rates(tenant)
    overtime = next(r for r in rates.earnings_rates if r.name == "Overtime Hours")
    assert (
        api.get_earnings_rate(tenant, overtime.earnings_rate_id).earnings_rate.multiple_of_ordinary_earnings_rate == 1.5
    )
    assert {r.earnings_rate_id for r in rates.earnings_rates} == {r["id"] for r in state["earnings_rates"]}
    assert rates.pagination.item_count == len(state["earnings_rates"])
    with pytest.raises(NotFoundException):
        api.get_employee(tenant, "00000000-0000-4000-8000-000000000000")


def test_au_reads_come_from_payroll_au_v1(payroll_sandbox, kit):
    tenant = payroll_sandbox.tenant_of["AU"]
    state = payroll_sandbox.control.payroll(tenant)
    v1 = _api(payroll_sandbox, kit, "AU", version="1.0")
    employees = v1.get_employees(tenant).employees
    assert {e.employee_id for e in employees} == {e["id"] for e in state["employees"]}
    assert {e.payroll_calendar_id for e in employees} <= {c["id"] for c in state["calendars"]}
    calendars = v1.get_payroll_calendars(tenant).payroll_calendars
    assert {c.calendar_type.value for c in calendars} == {"WEEKLY", "MONTHLY"}
    rates = v1.get_pay_items(tenant).pay_items.earnings_rates
    assert {r.earnings_rate_id for r in rates} == {r["id"] for r in state["earnings_rates"]}
    # NZ/UK paths on an AU organisation; payroll on a US one.
    status, _, _ = kit.raw(payroll_sandbox, "GET", "/payroll.xro/2.0/Employees", *_auth(payroll_sandbox, tenant))
    assert status == 405
    us = next(t for t, region in payroll_sandbox.regions.items() if region is None)
    status, _, body = kit.raw(payroll_sandbox, "GET", "/payroll.xro/2.0/Timesheets", *_auth(payroll_sandbox, us))
    assert status == 403 and body["Title"] == "Forbidden"
    status, _, _ = kit.raw(payroll_sandbox, "GET", "/payroll.xro/1.0/Employees", *_auth(payroll_sandbox, us))
    assert status == 403


def _calendar_types(payroll_specs, region):
    """The CalendarType enum of the region's spec (AU: Payroll AU v1's, which only xero-python carries)."""
    if region == "AU":
        spelled = {kind.upper(): kind for kinds in CALENDAR_TYPES.values() for kind in kinds}
        return [
            spelled[member.value] for member in importlib.import_module("xero_python.payrollau.models").CalendarType
        ]
    schemas = payroll_specs[region].spec / "components" / "schemas"
    node = schemas / "CalendarType" if region == "NZ" else schemas / "PayRunCalendar" / "properties" / "calendarType"
    with node.open() as schema:
        return list(schema["enum"])


@pytest.mark.parametrize("region", ["NZ", "UK", "AU"])
def test_every_calendar_type_of_the_spec_and_half_monthly_periods(payroll_sandbox, payroll_specs, kit, region):
    tenant = payroll_sandbox.tenant_of[region]
    wanted = _calendar_types(payroll_specs, region)
    made = {kind: payroll_sandbox.control.add_payroll_calendar(tenant, kind, "2026-01-03") for kind in wanted}
    for kind in {"TwiceMonthly", "Annual"} - set(wanted):  # not the region's: refused, nothing stored
        with pytest.raises(SandboxControlError):
            payroll_sandbox.control.add_payroll_calendar(tenant, kind, "2026-01-03")
    if region == "AU":
        read = {c.payroll_calendar_id: c.calendar_type.value for c in
                _api(payroll_sandbox, kit, region, version="1.0").get_payroll_calendars(tenant).payroll_calendars}  # fmt: skip
        assert {read[made[kind]["id"]] for kind in wanted} == {kind.upper() for kind in wanted}
    else:
        read = {str(c.payroll_calendar_id): c for c in _api(payroll_sandbox, kit, region).get_pay_run_calendars(tenant).pay_run_calendars}  # fmt: skip
        assert {getattr(read[made[kind]["id"]].calendar_type, "value", read[made[kind]["id"]].calendar_type)
                for kind in wanted} == set(wanted)  # fmt: skip
        assert _day(read[made["Quarterly"]["id"]].period_end_date) == dt.date(2026, 4, 2)
    assert len(payroll_sandbox.control.payroll(tenant)["calendars"]) == 2 + len(wanted)
    if "TwiceMonthly" not in wanted:
        return
    # Xero's half-monthly periods: 15 days from the start day (3rd–17th), then the rest (18th–2nd)
    calendar = made["TwiceMonthly"]
    assert calendar["period_end"] == "2026-01-17"
    employee = payroll_sandbox.control.add_payroll_employee(tenant, "Hana", "Half", calendar_id=calendar["id"])
    rate = next(r for r in payroll_sandbox.control.payroll(tenant)["earnings_rates"] if r["name"] == "Ordinary Hours")
    api = _api(payroll_sandbox, kit, region)
    models = importlib.import_module(f"xero_python.{APIS[region][1]}.models")

    def timesheet(start, end):
        line = models.TimesheetLine(date=start, earnings_rate_id=rate["id"], number_of_units=4.0)
        return models.Timesheet(payroll_calendar_id=calendar["id"], employee_id=employee["id"], start_date=start,
                                end_date=end, timesheet_lines=[line])  # fmt: skip

    with pytest.raises(BadRequestException) as raised:
        api.create_timesheet(tenant, timesheet(dt.date(2026, 2, 18), dt.date(2026, 3, 3)))
    assert "pay period" in _invalid_fields(raised)["EndDate"]
    for start, end in ((dt.date(2026, 2, 18), dt.date(2026, 3, 2)), (dt.date(2026, 3, 3), dt.date(2026, 3, 17))):
        assert _day(api.create_timesheet(tenant, timesheet(start, end)).timesheet.end_date) == end
    assert (
        len([t for t in payroll_sandbox.control.payroll(tenant)["timesheets"] if t["employee_id"] == employee["id"]])
        == 2
    )


def _auth(sandbox, tenant):
    return sandbox.token["access_token"], tenant


@pytest.mark.parametrize("region", ["NZ", "UK", "AU"])
def test_timesheet_lifecycle(payroll_sandbox, kit, region):
    api = _api(payroll_sandbox, kit, region)
    tenant, employee, calendar, rate = _setup(payroll_sandbox, region)
    created = api.create_timesheet(tenant, _timesheet(region, employee, calendar, rate, ((0, 8.0), (1, 7.5)))).timesheet
    assert created.status.value if hasattr(created.status, "value") else created.status == "Draft"
    assert created.total_hours == 15.5 and len(created.timesheet_lines) == 2
    tid = created.timesheet_id
    listed = api.get_timesheets(tenant, filter=f"employeeId=={employee['id']}", status="Draft")
    assert [t.timesheet_id for t in listed.timesheets] == [tid] and listed.pagination.item_count == 1
    assert api.get_timesheets(tenant, filter="employeeId==00000000-0000-4000-8000-000000000000").timesheets == []
    start = _day(created.start_date)
    added = api.create_timesheet_line(
        tenant, tid, _line(region, date=start + dt.timedelta(days=2), earnings_rate_id=rate["id"], number_of_units=4.0)
    ).timesheet_line
    first = created.timesheet_lines[0]
    api.update_timesheet_line(
        tenant,
        tid,
        first.timesheet_line_id,
        _line(region, date=start, earnings_rate_id=rate["id"], number_of_units=6.0),
    )
    # The DELETE answers are the bare envelope (the specs' own examples), which xero-python cannot read into the
    # TimesheetLine it expects: callers read them raw.
    assert api.delete_timesheet_line(tenant, tid, added.timesheet_line_id, _preload_content=False).status == 200
    stored = _stored(payroll_sandbox, tenant, str(tid))
    assert sorted(line["units"] for line in stored["lines"]) == [6.0, 7.5]
    fetched = api.get_timesheet(tenant, tid).timesheet
    assert (
        sorted(line.number_of_units for line in fetched.timesheet_lines) == [6.0, 7.5] and fetched.total_hours == 13.5
    )
    assert _status(api.approve_timesheet(tenant, tid).timesheet) == "Approved"
    with pytest.raises(BadRequestException) as raised:
        api.create_timesheet_line(
            tenant, tid, _line(region, date=start, earnings_rate_id=rate["id"], number_of_units=1.0)
        )
    assert "Draft" in _invalid_fields(raised)["Status"]
    with pytest.raises(BadRequestException):
        api.approve_timesheet(tenant, tid)
    assert len(_stored(payroll_sandbox, tenant, str(tid))["lines"]) == 2
    assert _status(api.revert_timesheet(tenant, tid).timesheet) == "Draft"
    with pytest.raises(ValueError, match="must not be `None`"):
        api.delete_timesheet(tenant, tid)  # deleted at Xero all the same: the SDK fails only reading the answer
    assert _stored(payroll_sandbox, tenant, str(tid)) is None
    with pytest.raises(NotFoundException):
        api.get_timesheet(tenant, tid)


def _status(timesheet):
    return getattr(timesheet.status, "value", timesheet.status)


def _stored(sandbox, tenant, timesheet_id):
    return next((t for t in sandbox.control.payroll(tenant)["timesheets"] if t["id"] == timesheet_id), None)


def test_timesheet_validation_errors_store_nothing(payroll_sandbox, kit):
    region = "NZ"
    api = _api(payroll_sandbox, kit, region)
    tenant, employee, calendar, rate = _setup(payroll_sandbox, region)
    stranger = dict(employee, id="00000000-0000-4000-8000-000000000001")
    unknown_rate = dict(rate, id="00000000-0000-4000-8000-000000000002")
    monthly = next(c for c in payroll_sandbox.control.payroll(tenant)["calendars"] if c["calendar_type"] == "Monthly")
    cases = [
        (_timesheet(region, stranger, calendar, rate), "EmployeeID"),
        (_timesheet(region, employee, calendar, unknown_rate), "EarningsRateID"),
        (_timesheet(region, employee, calendar, rate, ((7, 8.0),)), "Date"),
        (_timesheet(region, employee, calendar, rate, ((0, 0.0),)), "NumberOfUnits"),
        (_timesheet(region, employee, calendar, rate, ((0, 25.0),)), "NumberOfUnits"),
        (_timesheet(region, employee, monthly, rate), "PayrollCalendarID"),
    ]
    shifted = _timesheet(region, employee, calendar, rate)
    shifted.start_date += dt.timedelta(days=1)
    shifted.end_date += dt.timedelta(days=1)
    shifted.timesheet_lines = []
    cases.append((shifted, "StartDate"))
    for timesheet, field in cases:
        with pytest.raises(BadRequestException) as raised:
            api.create_timesheet(tenant, timesheet)
        assert field in _invalid_fields(raised), (field, _invalid_fields(raised))
    assert payroll_sandbox.control.payroll(tenant)["timesheets"] == []
    api.create_timesheet(tenant, _timesheet(region, employee, calendar, rate))
    with pytest.raises(BadRequestException) as raised:
        api.create_timesheet(tenant, _timesheet(region, employee, calendar, rate, ((1, 2.0),)))
    assert "already exists" in _invalid_fields(raised)["StartDate"]
    assert len(payroll_sandbox.control.payroll(tenant)["timesheets"]) == 1


def test_completed_timesheet_is_locked(payroll_sandbox, kit):
    api = _api(payroll_sandbox, kit, "UK")
    tenant, employee, calendar, rate = _setup(payroll_sandbox, "UK")
    tid = api.create_timesheet(tenant, _timesheet("UK", employee, calendar, rate)).timesheet.timesheet_id
    payroll_sandbox.control.set_timesheet_status(tenant, str(tid), "Completed")
    for call in (lambda: api.revert_timesheet(tenant, tid), lambda: api.delete_timesheet(tenant, tid)):
        with pytest.raises(BadRequestException):
            call()
    assert _stored(payroll_sandbox, tenant, str(tid))["status"] == "Completed"


def test_listing_filters_sorting_and_paging(payroll_sandbox, kit):
    api = _api(payroll_sandbox, kit, "NZ")
    tenant, employee, calendar, rate = _setup(payroll_sandbox, "NZ")
    book = payroll_sandbox.sandbox.store.tenant(tenant).payroll
    start = dt.date.fromisoformat(calendar["period_start"])
    for week in range(101):  # straight into the store: 101 SDK calls would add nothing but seconds
        day = start - dt.timedelta(weeks=week)
        book.create_timesheet(
            {"EmployeeID": employee["id"], "PayrollCalendarID": calendar["id"], "StartDate": day.isoformat(),
             "EndDate": (day + dt.timedelta(days=6)).isoformat()},
            [],
        )  # fmt: skip
    first = api.get_timesheets(tenant, page=1)
    second = api.get_timesheets(tenant, page=2)
    assert len(first.timesheets) == 100 and len(second.timesheets) == 1
    assert first.pagination.page_count == 2 and first.pagination.item_count == 101
    newest = api.get_timesheets(tenant, sort="startDate").timesheets[0]
    assert _day(newest.start_date) == start
    recent = api.get_timesheets(tenant, start_date=(start - dt.timedelta(weeks=2)).isoformat())
    assert len(recent.timesheets) == 3
    assert api.get_timesheets(tenant, status="Approved").timesheets == []


def test_scopes_are_enforced(payroll_sandbox, kit):
    tenant, employee, calendar, rate = _setup(payroll_sandbox, "NZ")
    read_only = kit.connect(payroll_sandbox, scope="openid offline_access payroll.timesheets.read", tenant_ids=[tenant])
    api = _api(payroll_sandbox, kit, "NZ", token=read_only)
    assert api.get_timesheets(tenant).timesheets == []
    for call in (
        lambda: api.create_timesheet(tenant, _timesheet("NZ", employee, calendar, rate)),
        lambda: api.get_employees(tenant),
        lambda: api.get_earnings_rates(tenant),
    ):
        with pytest.raises(HTTPStatusException) as raised:
            call()
        assert raised.value.status == 401
    assert payroll_sandbox.control.payroll(tenant)["timesheets"] == []


def test_idempotency_key_replays_the_first_timesheet(payroll_sandbox, kit):
    api = _api(payroll_sandbox, kit, "UK")
    tenant, employee, calendar, rate = _setup(payroll_sandbox, "UK")
    timesheet = _timesheet("UK", employee, calendar, rate)
    first = api.create_timesheet(tenant, timesheet, idempotency_key="ts-uk-1").timesheet
    again = api.create_timesheet(tenant, timesheet, idempotency_key="ts-uk-1").timesheet
    assert again.timesheet_id == first.timesheet_id
    payroll_sandbox.control.inject_fault("POST", "/payroll.xro/2.0/Timesheets", "drop")  # made, the answer lost
    lost = _timesheet("UK", employee, calendar, rate, weeks=-1)
    with pytest.raises(urllib3.exceptions.HTTPError):
        api.create_timesheet(tenant, lost, idempotency_key="ts-uk-0")
    assert _status(api.create_timesheet(tenant, lost, idempotency_key="ts-uk-0").timesheet) == "Draft"
    with pytest.raises(BadRequestException) as raised:  # without the key the retry meets Xero's one-per-period rule
        api.create_timesheet(tenant, lost)
    assert "already exists" in _invalid_fields(raised)["StartDate"]
    with pytest.raises(BadRequestException) as raised:  # the same key for another timesheet is refused
        api.create_timesheet(tenant, _timesheet("UK", employee, calendar, rate, weeks=1), idempotency_key="ts-uk-1")
    assert "already been used" in _invalid_fields(raised)["Idempotency-Key"]
    assert len(payroll_sandbox.control.payroll(tenant)["timesheets"]) == 2


def test_payroll_calls_share_the_organisation_rate_budget(payroll_sandbox, kit):
    api = _api(payroll_sandbox, kit, "NZ")
    tenant = payroll_sandbox.tenant_of["NZ"]
    payroll_sandbox.control.set_rate_limits(minute=3)
    try:
        sdk = kit.sdk_for(payroll_sandbox, payroll_sandbox.token)
        sdk.accounting.get_organisations(tenant)
        api.get_timesheets(tenant)
        api.get_pay_run_calendars(tenant)
        with pytest.raises(RateLimitException) as raised:
            api.get_earnings_rates(tenant)
        assert raised.value.rate_limit == "minute"
    finally:
        payroll_sandbox.control.set_rate_limits(**NO_LIMITS)
    minute_requests = [r for r in payroll_sandbox.control.requests() if r["path"].startswith("/payroll.xro")]
    assert [r["status"] for r in minute_requests][-3:] == [200, 200, 429]
