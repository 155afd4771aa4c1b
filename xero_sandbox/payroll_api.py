"""api.xero.com/payroll.xro: Payroll NZ, UK and AU v2 (``/payroll.xro/2.0``) and AU v1 reads (``/1.0``).

NZ, UK and AU v2 share one base path, so the organisation's country picks the API that answers
(``payroll.REGIONS``): NZ/UK serve Employees, PayRunCalendars, EarningsRates and Timesheets; AU v2 serves
Timesheets only, and an AU organisation's employees, payroll calendars and pay items come from AU v1
(Employees, PayrollCalendars, PayItems; PascalCase and MS-JSON dates like the accounting API).
A path the organisation's payroll does not serve answers 405 (what an NZ call on an AU organisation
is reported to get); an organisation without Xero Payroll (e.g. US) answers 403.

The v2 answers use the APIs' envelope (``id``, ``providerName``, ``dateTimeUTC``, ``httpStatusCode``,
``pagination`` on lists) and their date forms (``2020-04-13T00:00:00``, as in the specs' examples).
A refused request is a 400 whose ``problem`` lists ``invalidFields`` (the shape
xero-python's PayrollUkBadRequestException reads). Gateway checks, the shared rate budget and
Idempotency-Key replays come from ``AccountingEndpoints.dispatch``.
"""

import datetime as dt
import json
import uuid

from werkzeug.routing import Rule

from . import errors
from .accounting import KEY_REFUSALS, _filter_where, register
from .formats import UTC, iso_identity, ms_date, ms_datetime
from .payroll import PayrollError, total_hours
from .where import WhereError

V2 = "/payroll.xro/2.0"
V1 = "/payroll.xro/1.0"
PAGE_SIZE = 100
EMPLOYEES_READ = frozenset(("payroll.employees", "payroll.employees.read"))
SETTINGS_READ = frozenset(("payroll.settings", "payroll.settings.read"))
TIMESHEETS_READ = frozenset(("payroll.timesheets", "payroll.timesheets.read"))
TIMESHEETS_WRITE = frozenset(("payroll.timesheets",))
NZ_UK = ("NZ", "UK")
V2_REGIONS = ("NZ", "UK", "AU")
HEADER_FIELDS = {"payrollcalendarid": "PayrollCalendarID", "employeeid": "EmployeeID", "startdate": "StartDate",
                 "enddate": "EndDate", "timesheetlines": "TimesheetLines"}  # fmt: skip
LINE_FIELDS = {"date": "Date", "earningsrateid": "EarningsRateID", "numberofunits": "NumberOfUnits",
               "trackingitemid": "TrackingItemID"}  # fmt: skip
AU_EMPLOYEE_FIELDS = frozenset(("EmployeeID", "FirstName", "LastName", "Email", "Status", "PayrollCalendarID"))


def rules() -> list:
    ts = f"{V2}/Timesheets/<timesheet_id>"
    return [
        Rule(f"{V2}/Employees", endpoint="api:payroll_employees", methods=["GET"]),
        Rule(f"{V2}/Employees/<employee_id>", endpoint="api:payroll_employee", methods=["GET"]),
        Rule(f"{V2}/PayRunCalendars", endpoint="api:payroll_calendars", methods=["GET"]),
        Rule(f"{V2}/PayRunCalendars/<calendar_id>", endpoint="api:payroll_calendar", methods=["GET"]),
        Rule(f"{V2}/EarningsRates", endpoint="api:payroll_earnings_rates", methods=["GET"]),
        Rule(f"{V2}/EarningsRates/<rate_id>", endpoint="api:payroll_earnings_rate", methods=["GET"]),
        Rule(f"{V2}/Timesheets", endpoint="api:payroll_timesheets", methods=["GET"]),
        Rule(f"{V2}/Timesheets", endpoint="api:payroll_timesheet_create", methods=["POST"]),
        Rule(ts, endpoint="api:payroll_timesheet", methods=["GET"]),
        Rule(ts, endpoint="api:payroll_timesheet_delete", methods=["DELETE"]),
        Rule(f"{ts}/Lines", endpoint="api:payroll_line_create", methods=["POST"]),
        Rule(f"{ts}/Lines/<line_id>", endpoint="api:payroll_line_update", methods=["PUT"]),
        Rule(f"{ts}/Lines/<line_id>", endpoint="api:payroll_line_delete", methods=["DELETE"]),
        Rule(f"{ts}/Approve", endpoint="api:payroll_approve", methods=["POST"]),
        Rule(f"{ts}/RevertToDraft", endpoint="api:payroll_revert", methods=["POST"]),
        Rule(f"{V1}/Employees", endpoint="api:payroll_au_employees", methods=["GET"]),
        Rule(f"{V1}/Employees/<employee_id>", endpoint="api:payroll_au_employee", methods=["GET"]),
        Rule(f"{V1}/PayrollCalendars", endpoint="api:payroll_au_calendars", methods=["GET"]),
        Rule(f"{V1}/PayItems", endpoint="api:payroll_au_pay_items", methods=["GET"]),
    ]


def serving(regions: tuple):
    """Only organisations whose payroll region is in ``regions`` reach the handler."""

    def wrap(handler):
        def checked(api, call, **args):
            region = call.tenant.payroll.region
            if region is None:
                return errors.problem(403, "Forbidden", "The organisation does not use Xero Payroll.")
            if region not in regions:
                return errors.problem(405, "MethodNotAllowed", f"This API is not available to {region} organisations.")
            return handler(api, call, **args)

        return checked

    return wrap


# --- v2 rendering --------------------------------------------------------------------------------------------
def _day(value: dt.date):
    return f"{value.isoformat()}T00:00:00" if value else None


def _moment(value: dt.datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%S")


def _compact(payload: dict) -> dict:
    return {key: value for key, value in payload.items() if value is not None}


def employee_v2(employee: dict, region: str) -> dict:
    payload = {
        "employeeID": employee["id"],
        "firstName": employee["first_name"],
        "lastName": employee["last_name"],
        "dateOfBirth": _day(employee["date_of_birth"]),
        "gender": employee["gender"],
        "email": employee["email"],
        "startDate": _day(employee["start_date"]),
        "endDate": _day(employee["end_date"]),
        "address": {
            "addressLine1": "1 Queen Street",
            "city": "Wellington" if region == "NZ" else "London",
            "postCode": "6011" if region == "NZ" else "SW6 6EY",
            "countryName": "NEW ZEALAND" if region == "NZ" else "UNITED KINGDOM",
        },  # fmt: skip
        "payrollCalendarID": employee["calendar_id"],
        "updatedDateUTC": _moment(employee["updated"]),
        "createdDateUTC": _moment(employee["created"]),
    }
    if region == "UK":
        payload.update(title="Mr" if employee["gender"] == "M" else "Ms", isOffPayrollWorker=False)
    else:
        payload["engagementType"] = "Permanent"
    return _compact(payload)


def calendar_v2(calendar: dict) -> dict:
    return {
        "payrollCalendarID": calendar["id"],
        "name": calendar["name"],
        "calendarType": calendar["calendar_type"],
        "periodStartDate": _day(calendar["period_start"]),
        "periodEndDate": _day(calendar["period_end"]),
        "paymentDate": _day(calendar["payment_date"]),
        "updatedDateUTC": _moment(calendar["updated"]),
    }


def earnings_rate_v2(rate: dict) -> dict:
    return _compact(
        {
            "earningsRateID": rate["id"],
            "name": rate["name"],
            "earningsType": rate["earnings_type"],
            "rateType": rate["rate_type"],
            "typeOfUnits": rate["type_of_units"],
            "currentRecord": rate["current"],
            "expenseAccountID": rate["expense_account_id"],
            "multipleOfOrdinaryEarningsRate": rate["multiple"],
        }
    )


def line_v2(line: dict) -> dict:
    return _compact(
        {
            "timesheetLineID": line["id"],
            "date": _day(line["date"]),
            "earningsRateID": line["earnings_rate_id"],
            "trackingItemID": line["tracking_item_id"],
            "numberOfUnits": line["units"],
        }
    )


def timesheet_v2(timesheet: dict, with_lines: bool = True) -> dict:
    payload = {
        "timesheetID": timesheet["id"],
        "payrollCalendarID": timesheet["calendar_id"],
        "employeeID": timesheet["employee_id"],
        "startDate": _day(timesheet["start_date"]),
        "endDate": _day(timesheet["end_date"]),
        "status": timesheet["status"],
        "totalHours": total_hours(timesheet),
        "updatedDateUTC": _moment(timesheet["updated"]),
    }
    if with_lines:
        payload["timesheetLines"] = [line_v2(line) for line in timesheet["lines"]]
    return payload


def envelope_v2(api, status: str = "OK", **content) -> dict:
    return {
        "id": str(uuid.uuid4()),
        "providerName": api.sandbox.config.app.name,
        "dateTimeUTC": iso_identity(api.sandbox.clock.now_ms()),
        "httpStatusCode": status,
        **content,
    }


def ok(api, **content):
    return errors.json_response(envelope_v2(api, **content))


def page_of(api, call, key: str, items: list):
    try:
        page = max(1, int(call.request.args.get("page", 1)))
    except ValueError:
        page = 1
    start = (page - 1) * PAGE_SIZE
    pagination = {
        "page": page,
        "pageSize": PAGE_SIZE,
        "pageCount": -(-len(items) // PAGE_SIZE),
        "itemCount": len(items),
    }
    return ok(api, pagination=pagination, **{key: items[start : start + PAGE_SIZE]})


def bad_request(api, fields: list, detail: str = "Validation error occurred."):
    problem = {
        "type": "application/problem+json",
        "title": "BadRequest",
        "status": 400,
        "detail": detail,
        "invalidFields": [{"name": name, "reason": reason} for name, reason in fields],
    }
    return errors.json_response(envelope_v2(api, "BadRequest", problem=problem), status=400)


def not_found(api, what: str):
    problem = {"type": "application/problem+json", "title": "NotFound", "status": 404, "detail": f"{what} not found"}
    return errors.json_response(envelope_v2(api, "NotFound", problem=problem), status=404)


def _body(request):
    """The JSON object of a request, with keys folded to lower case; None when it is not one."""
    try:
        body = json.loads(request.get_data(cache=True) or b"null")
    except ValueError:
        return None
    return {str(key).lower(): value for key, value in body.items()} if isinstance(body, dict) else None


def _fields(body: dict, names: dict) -> dict:
    return {names[key]: value for key, value in body.items() if key in names}


def _line_fields(raw) -> dict:
    return _fields({str(k).lower(): v for k, v in (raw or {}).items()}, LINE_FIELDS) if isinstance(raw, dict) else {}


# --- v2 handlers ----------------------------------------------------------------------------------------------
@serving(NZ_UK)
def get_employees(api, call):
    book = call.tenant.payroll
    wanted = _filter_pairs(call.request.args.get("filter", ""))
    if wanted is None:
        return bad_request(api, [("filter", "The filter is not in the form field==value[,field==value].")])
    employees = [employee_v2(e, book.region) for e in book.employees.values()]
    folded = [({key.lower(): str(value).lower() for key, value in e.items()}, e) for e in employees]
    matching = [e for keys, e in folded if all(keys.get(k) == v for k, v in wanted.items())]
    return page_of(api, call, "employees", matching)


@serving(NZ_UK)
def get_employee(api, call, employee_id):
    employee = call.tenant.payroll.employees.get(employee_id.lower())
    if employee is None:
        return not_found(api, "Employee")
    return ok(api, employee=employee_v2(employee, call.tenant.payroll.region))


@serving(NZ_UK)
def get_calendars(api, call):
    return page_of(api, call, "payRunCalendars", [calendar_v2(c) for c in call.tenant.payroll.calendars.values()])


@serving(NZ_UK)
def get_calendar(api, call, calendar_id):
    calendar = call.tenant.payroll.calendars.get(calendar_id.lower())
    return ok(api, payRunCalendar=calendar_v2(calendar)) if calendar else not_found(api, "Pay run calendar")


@serving(NZ_UK)
def get_earnings_rates(api, call):
    rates = [earnings_rate_v2(r) for r in call.tenant.payroll.earnings_rates.values()]
    return page_of(api, call, "earningsRates", rates)


@serving(NZ_UK)
def get_earnings_rate(api, call, rate_id):
    rate = call.tenant.payroll.earnings_rates.get(rate_id.lower())
    return ok(api, earningsRate=earnings_rate_v2(rate)) if rate else not_found(api, "Earnings rate")


def _filter_pairs(text: str):
    """{lower-cased field: lower-cased value} from ``a==x,b==y``; None when malformed."""
    pairs = {}
    for part in filter(None, (piece.strip() for piece in text.split(","))):
        field, sep, value = part.partition("==")
        if not sep or not field.strip():
            return None
        pairs[field.strip().lower()] = value.strip().strip('"').lower()
    return pairs


_TIMESHEET_FILTERS = {"employeeid": "employeeID", "payrollcalendarid": "payrollCalendarID"}


@serving(V2_REGIONS)
def get_timesheets(api, call):
    args = call.request.args
    wanted = _filter_pairs(args.get("filter", ""))
    if wanted is None or not set(wanted) <= set(_TIMESHEET_FILTERS):
        return bad_request(api, [("filter", "Filter by employeeId and/or payrollCalendarId, e.g. employeeId==<id>.")])
    timesheets = list(call.tenant.payroll.timesheets.values())
    status = args.get("status", "").strip().lower()
    start, end = args.get("startDate", "")[:10], args.get("endDate", "")[:10]
    chosen = []
    for timesheet in timesheets:
        rendered = timesheet_v2(timesheet, with_lines=False)
        if any(rendered[_TIMESHEET_FILTERS[k]].lower() != v for k, v in wanted.items()):
            continue
        if status and timesheet["status"].lower() != status:
            continue
        if (start and timesheet["start_date"].isoformat() < start) or (end and timesheet["end_date"].isoformat() > end):
            continue
        chosen.append((timesheet, rendered))
    if args.get("sort", "").lower() == "startdate":
        chosen.sort(key=lambda pair: pair[0]["start_date"], reverse=True)
    return page_of(api, call, "timesheets", [rendered for _, rendered in chosen])


@serving(V2_REGIONS)
def get_timesheet(api, call, timesheet_id):
    timesheet = call.tenant.payroll.timesheet(timesheet_id)
    return ok(api, timesheet=timesheet_v2(timesheet)) if timesheet else not_found(api, "Timesheet")


@serving(V2_REGIONS)
def create_timesheet(api, call):
    body = _body(call.request)
    if body is None:
        return bad_request(api, [("Timesheet", "The request body must be a timesheet object.")])
    fields = _fields(body, HEADER_FIELDS)
    lines = [_line_fields(raw) for raw in fields.pop("TimesheetLines", None) or []]
    try:
        timesheet = call.tenant.payroll.create_timesheet(fields, lines)
    except PayrollError as exc:
        return bad_request(api, exc.fields)
    return ok(api, timesheet=timesheet_v2(timesheet))


def _with_timesheet(handler):
    def run(api, call, timesheet_id, **args):
        timesheet = call.tenant.payroll.timesheet(timesheet_id)
        if timesheet is None:
            return not_found(api, "Timesheet")
        try:
            return handler(api, call, timesheet, **args)
        except PayrollError as exc:
            return bad_request(api, exc.fields)

    return serving(V2_REGIONS)(run)


@_with_timesheet
def create_line(api, call, timesheet):
    body = _body(call.request)
    line = call.tenant.payroll.add_line(timesheet, _line_fields(body))
    return ok(api, timesheetLine=line_v2(line))


@_with_timesheet
def update_line(api, call, timesheet, line_id):
    line = call.tenant.payroll.update_line(timesheet, line_id, _line_fields(_body(call.request)))
    return ok(api, timesheetLine=line_v2(line)) if line else not_found(api, "Timesheet line")


@_with_timesheet
def delete_line(api, call, timesheet, line_id):
    line = call.tenant.payroll.delete_line(timesheet, line_id)
    return ok(api) if line else not_found(api, "Timesheet line")


@_with_timesheet
def approve(api, call, timesheet):
    call.tenant.payroll.set_status(timesheet, "Approved", ("Draft",))
    return ok(api, timesheet=timesheet_v2(timesheet))


@_with_timesheet
def revert(api, call, timesheet):
    call.tenant.payroll.set_status(timesheet, "Draft", ("Approved",))
    return ok(api, timesheet=timesheet_v2(timesheet))


@_with_timesheet
def delete_timesheet(api, call, timesheet):
    call.tenant.payroll.delete_timesheet(timesheet)
    return ok(api)


# --- AU v1 reads -----------------------------------------------------------------------------------------------
def employee_au(employee: dict) -> dict:
    return {
        "EmployeeID": employee["id"],
        "FirstName": employee["first_name"],
        "LastName": employee["last_name"],
        "Status": "TERMINATED" if employee["end_date"] else "ACTIVE",
        "Email": employee["email"],
        "DateOfBirth": ms_date(employee["date_of_birth"]),
        "Gender": employee["gender"],
        "StartDate": ms_date(employee["start_date"]),
        "OrdinaryEarningsRateID": employee["ordinary_rate_id"],
        "PayrollCalendarID": employee["calendar_id"],
        "UpdatedDateUTC": _ms(employee["updated"]),
    }


def calendar_au(calendar: dict) -> dict:
    return {
        "PayrollCalendarID": calendar["id"],
        "Name": calendar["name"],
        "CalendarType": calendar["calendar_type"].upper(),
        "StartDate": ms_date(calendar["period_start"]),
        "PaymentDate": ms_date(calendar["payment_date"]),
        "UpdatedDateUTC": _ms(calendar["updated"]),
    }


def earnings_rate_au(rate: dict) -> dict:
    payload = {
        "EarningsRateID": rate["id"],
        "Name": rate["name"],
        "AccountCode": "477",
        "TypeOfUnits": "Hours",
        "IsExemptFromTax": False,
        "IsExemptFromSuper": False,
        "IsReportableAsW1": True,
        "IsQualifyingEarnings": rate["earnings_type"] == "RegularEarnings",
        "EarningsType": "OVERTIMEEARNINGS" if rate["earnings_type"] == "OvertimeEarnings" else "ORDINARYTIMEEARNINGS",
        "RateType": "MULTIPLE" if rate["multiple"] else "RATEPERUNIT",
        "AccrueLeave": False,
        "CurrentRecord": rate["current"],
        "UpdatedDateUTC": _ms(rate["updated"]),
    }
    if rate["multiple"]:
        payload["Multiplier"] = rate["multiple"]
    return payload


def _ms(moment: dt.datetime) -> str:
    return ms_datetime(int(moment.replace(tzinfo=UTC).timestamp() * 1000))


@serving(("AU",))
def get_au_employees(api, call):
    employees = [employee_au(e) for e in call.tenant.payroll.employees.values()]
    try:
        employees = _filter_where(employees, call.request.args.get("where"), "Employee", AU_EMPLOYEE_FIELDS)
    except WhereError as exc:
        return errors.query_parse_exception(str(exc))
    return api.envelope("Employees", employees)


@serving(("AU",))
def get_au_employee(api, call, employee_id):
    employee = call.tenant.payroll.employees.get(employee_id.lower())
    return api.envelope("Employees", [employee_au(employee)]) if employee else errors.not_found()


@serving(("AU",))
def get_au_calendars(api, call):
    return api.envelope("PayrollCalendars", [calendar_au(c) for c in call.tenant.payroll.calendars.values()])


@serving(("AU",))
def get_au_pay_items(api, call):
    rates = [earnings_rate_au(r) for r in call.tenant.payroll.earnings_rates.values()]
    return api.envelope("PayItems", {"EarningsRates": rates})


for _name, _scopes, _handler in (
    ("payroll_employees", EMPLOYEES_READ, get_employees),
    ("payroll_employee", EMPLOYEES_READ, get_employee),
    ("payroll_calendars", SETTINGS_READ, get_calendars),
    ("payroll_calendar", SETTINGS_READ, get_calendar),
    ("payroll_earnings_rates", SETTINGS_READ, get_earnings_rates),
    ("payroll_earnings_rate", SETTINGS_READ, get_earnings_rate),
    ("payroll_timesheets", TIMESHEETS_READ, get_timesheets),
    ("payroll_timesheet", TIMESHEETS_READ, get_timesheet),
    ("payroll_timesheet_create", TIMESHEETS_WRITE, create_timesheet),
    ("payroll_timesheet_delete", TIMESHEETS_WRITE, delete_timesheet),
    ("payroll_line_create", TIMESHEETS_WRITE, create_line),
    ("payroll_line_update", TIMESHEETS_WRITE, update_line),
    ("payroll_line_delete", TIMESHEETS_WRITE, delete_line),
    ("payroll_approve", TIMESHEETS_WRITE, approve),
    ("payroll_revert", TIMESHEETS_WRITE, revert),
    ("payroll_au_employees", EMPLOYEES_READ, get_au_employees),
    ("payroll_au_employee", EMPLOYEES_READ, get_au_employee),
    ("payroll_au_calendars", SETTINGS_READ, get_au_calendars),
    ("payroll_au_pay_items", SETTINGS_READ, get_au_pay_items),
):
    register(_name, _scopes, _handler)
KEY_REFUSALS[V2] = lambda api, message: bad_request(api, [("Idempotency-Key", message)])
