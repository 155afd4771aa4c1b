"""Control-API operations for Xero Payroll and Xero Projects (routes under ``/_sandbox/tenants/<tenant_id>/``).

Seed what only Xero's own screens create (payroll employees, calendars, earnings rates, projects users),
play what happens inside Xero (a pay run posts a timesheet: status Completed; a time entry is invoiced or
locked: status INVOICED / LOCKED; an employee leaves) and read the stored state back.
Handlers take ``(sandbox, request, body, **route arguments)`` and return JSON-able values.
"""

import datetime as dt

from werkzeug.routing import Rule

from .core import SandboxError


def rules(prefix: str) -> list:
    tenant = f"{prefix}/tenants/<tenant_id>"
    return [
        Rule(f"{tenant}/payroll", endpoint="control:payroll_state", methods=["GET"]),
        Rule(f"{tenant}/payroll/employees", endpoint="control:payroll_add_employee", methods=["POST"]),
        Rule(
            f"{tenant}/payroll/employees/<employee_id>/terminate",
            endpoint="control:payroll_terminate",
            methods=["POST"],
        ),
        Rule(f"{tenant}/payroll/calendars", endpoint="control:payroll_add_calendar", methods=["POST"]),
        Rule(f"{tenant}/payroll/earnings-rates", endpoint="control:payroll_add_rate", methods=["POST"]),
        Rule(
            f"{tenant}/payroll/timesheets/<timesheet_id>/status",
            endpoint="control:payroll_timesheet_status",
            methods=["POST"],
        ),
        Rule(f"{tenant}/projects", endpoint="control:projects_state", methods=["GET"]),
        Rule(f"{tenant}/projects/users", endpoint="control:projects_add_user", methods=["POST"]),
        Rule(f"{tenant}/projects/time/<entry_id>/status", endpoint="control:projects_time_status", methods=["POST"]),
    ]


def _book(sandbox, tenant_id):
    book = sandbox.tenant_or_fail(tenant_id).payroll
    if book.region is None:
        raise SandboxError("this organisation has no Xero Payroll (only AU, NZ and GB organisations do)")
    return book


def _plain(value):
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return value


def payroll_state(sandbox, request, body, tenant_id):
    book = sandbox.tenant_or_fail(tenant_id).payroll
    with book.lock:
        return _plain(
            {
                "region": book.region,
                "employees": list(book.employees.values()),
                "calendars": list(book.calendars.values()),
                "earnings_rates": list(book.earnings_rates.values()),
                "timesheets": list(book.timesheets.values()),
            }
        )


def payroll_add_employee(sandbox, request, body, tenant_id):
    book = _book(sandbox, tenant_id)
    calendar_id = body.get("calendar_id") or next(iter(book.calendars))
    start = dt.date.fromisoformat(body["start_date"]) if body.get("start_date") else None
    employee = book.add_employee(
        body["first_name"],
        body["last_name"],
        body.get("email"),
        calendar_id.lower(),
        body.get("gender", "F"),
        start=start,
    )
    return _plain(employee)


def payroll_terminate(sandbox, request, body, tenant_id, employee_id):
    book = _book(sandbox, tenant_id)
    employee = book.employees.get(employee_id.lower())
    if employee is None:
        raise SandboxError(f"unknown employee {employee_id!r}", status=404)
    with book.lock:
        employee["end_date"] = dt.date.fromisoformat(body["end_date"])
    return _plain(employee)


def payroll_add_calendar(sandbox, request, body, tenant_id):
    book = _book(sandbox, tenant_id)
    start = dt.date.fromisoformat(body["period_start"])
    return _plain(book.add_calendar(body.get("name") or body["calendar_type"], body["calendar_type"], start))


def payroll_add_rate(sandbox, request, body, tenant_id):
    book = _book(sandbox, tenant_id)
    account = next(a["AccountID"] for a in sandbox.tenant_or_fail(tenant_id).accounts if a.get("Type") == "EXPENSE")
    rate = book.add_earnings_rate(
        body["name"], body.get("earnings_type", "RegularEarnings"), account, body.get("multiple")
    )
    if body.get("current") is False:
        rate["current"] = False
    return _plain(rate)


def payroll_timesheet_status(sandbox, request, body, tenant_id, timesheet_id):
    book = _book(sandbox, tenant_id)
    timesheet = book.timesheet(timesheet_id)
    if timesheet is None:
        raise SandboxError(f"unknown timesheet {timesheet_id!r}", status=404)
    if body.get("status") not in ("Draft", "Approved", "Completed", "Requested"):
        raise SandboxError("status must be Draft, Approved, Completed or Requested")
    with book.lock:
        timesheet["status"] = body["status"]
    return _plain(timesheet)


def projects_state(sandbox, request, body, tenant_id):
    book = sandbox.tenant_or_fail(tenant_id).projects
    with book.lock:
        return {
            "users": list(book.users.values()),
            "projects": list(book.projects.values()),
            "tasks": list(book.tasks.values()),
            "time_entries": list(book.time_entries.values()),
        }


def projects_add_user(sandbox, request, body, tenant_id):
    return sandbox.tenant_or_fail(tenant_id).projects.add_user(body["name"], body.get("email"))


def projects_time_status(sandbox, request, body, tenant_id, entry_id):
    book = sandbox.tenant_or_fail(tenant_id).projects
    entry = book.time_entries.get(entry_id.lower())
    if entry is None:
        raise SandboxError(f"unknown time entry {entry_id!r}", status=404)
    return dict(book.set_time_entry_status(entry, body.get("status")))


HANDLERS = {
    "payroll_state": payroll_state,
    "payroll_add_employee": payroll_add_employee,
    "payroll_terminate": payroll_terminate,
    "payroll_add_calendar": payroll_add_calendar,
    "payroll_add_rate": payroll_add_rate,
    "payroll_timesheet_status": payroll_timesheet_status,
    "projects_state": projects_state,
    "projects_add_user": projects_add_user,
    "projects_time_status": projects_time_status,
}
