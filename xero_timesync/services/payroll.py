"""Xero Payroll through xero-python, per the organisation's region (issue 26).

NZ and GB organisations use Payroll NZ / UK (``/payroll.xro/2.0``) for everything; AU organisations use Payroll
AU v2 (same path) for timesheets and Payroll AU v1 (``/payroll.xro/1.0``) for employees, payroll calendars and
earnings rates (pay items). Calls go through :meth:`XeroClient._call` (the token, the organisation's rate
budget, retries) and read raw JSON (``_preload_content=False``): xero-python reads payroll dates as datetimes and
cannot read the bare envelope a DELETE answers. Plain values come back, never SDK models.
"""

import calendar as month_calendar
import datetime as dt
import json
from dataclasses import dataclass, field

from xero_python.payrollau import PayrollAuApi
from xero_python.payrollauv2 import PayrollAuV2Api
from xero_python.payrollnz import PayrollNzApi
from xero_python.payrolluk import PayrollUkApi

from .errors import XeroError, XeroTransientError, _lt
from .values import parse_ms_date

REGIONS = {"NZ": "NZ", "GB": "UK", "AU": "AU"}
V2_APIS = {"NZ": PayrollNzApi, "UK": PayrollUkApi, "AU": PayrollAuV2Api}
CALENDAR_DAYS = {"WEEKLY": 7, "FORTNIGHTLY": 14, "FOURWEEKLY": 28}
CALENDAR_MONTHS = {"MONTHLY": 1, "QUARTERLY": 3, "ANNUAL": 12}
TWICE_MONTHLY = "TWICEMONTHLY"
HALF_MONTH_DAYS = 15  # Xero: the first period of a half-monthly calendar is 15 days, the second the rest
CALENDAR_TYPES = frozenset(CALENDAR_DAYS) | frozenset(CALENDAR_MONTHS) | {TWICE_MONTHLY}


@dataclass(frozen=True)
class PayrollEmployee:
    employee_id: str
    first_name: str
    last_name: str
    email: str
    calendar_id: str

    @property
    def name(self):
        return f"{self.first_name} {self.last_name}".strip()


@dataclass(frozen=True)
class PayrollCalendar:
    calendar_id: str
    name: str
    calendar_type: str  # upper case: WEEKLY, FORTNIGHTLY, FOURWEEKLY, MONTHLY, TWICEMONTHLY, QUARTERLY, ANNUAL
    period_start: dt.date  # the start of one of its pay periods
    period_end: dt.date = None  # the end of that period, when Xero gives it (v2)

    @property
    def computable(self):
        return self.calendar_type in CALENDAR_TYPES and bool(self.period_start)

    def period_of(self, day):
        """``(start, end)`` of the pay period holding ``day``; None for a calendar type Odoo does not know."""
        if not self.computable:
            return None
        days = CALENDAR_DAYS.get(self.calendar_type)
        if days:
            start = day - dt.timedelta(days=(day - self.period_start).days % days)
            return start, start + dt.timedelta(days=days - 1)
        if self.calendar_type == TWICE_MONTHLY:
            return self._half_month_of(day)
        months = CALENDAR_MONTHS[self.calendar_type]
        offset = (day.year - self.period_start.year) * 12 + day.month - self.period_start.month
        start = _add_months(self.period_start, offset - offset % months)
        if start > day:
            start = _add_months(self.period_start, offset - offset % months - months)
        return start, _add_months(start, months) - dt.timedelta(days=1)

    def _half_month_of(self, day):
        """Xero's half-monthly periods: from the calendar's start day D, D to D+14, then D+15 to the day before
        D of the next month."""
        return _half_month(self._half_month_anchor(), day)

    def _half_month_anchor(self):
        """The start day D of a half-monthly calendar. A v2 calendar may announce its second-half period: one not
        of 15 days is; one of 15 days (the second half of a 30-day month, 16th-30th of a 1st-15th calendar) may be
        either: the reading with the earlier start day wins (1st-15th and 16th-end, not 16th-30th and 31st-15th)."""
        start, end = self.period_start, self.period_end
        if not end:
            return start
        second_half_of = _add_months(end + dt.timedelta(days=1), -1)
        if (end - start).days + 1 != HALF_MONTH_DAYS:
            return second_half_of
        if second_half_of.day < start.day and _half_month(second_half_of, start) == (start, end):
            return second_half_of
        return start


def _half_month(anchor, day):
    """The half-monthly period holding ``day`` of a calendar starting on ``anchor`` (see ``_half_month_of``)."""
    offset = (day.year - anchor.year) * 12 + day.month - anchor.month
    for months in (offset, offset - 1):
        first = _add_months(anchor, months)
        second = first + dt.timedelta(days=HALF_MONTH_DAYS)
        following = _add_months(anchor, months + 1)
        if first <= day < second:
            return first, second - dt.timedelta(days=1)
        if second <= day < following:
            return second, following - dt.timedelta(days=1)
    return None


@dataclass(frozen=True)
class EarningsRate:
    rate_id: str
    name: str
    earnings_type: str


@dataclass
class PayrollTimesheet:
    timesheet_id: str
    employee_id: str
    calendar_id: str
    start: dt.date
    end: dt.date
    status: str
    lines: list = field(default_factory=list)  # [(line id, date, earnings rate id, units)]


class PayrollClient:
    """Xero Payroll of one organisation, through an :class:`XeroClient` (its calls, budget and retries)."""

    def __init__(self, client, country):
        self.region = REGIONS.get((country or "").upper())
        if not self.region:
            raise XeroError(
                _lt("Xero Payroll exists for organisations in Australia, New Zealand and the United Kingdom only."),
                "no_payroll",
            )
        self.client = client
        root = client.endpoints.api_url
        self._v2 = V2_APIS[self.region](client._api_client, base_url=f"{root}/payroll.xro/2.0")
        self._v1 = PayrollAuApi(client._api_client, base_url=f"{root}/payroll.xro/1.0") if self.region == "AU" else None

    def _json(self, method, *args, **kwargs):
        client = self.client
        response = client._call(
            lambda: method(
                client._tenant(), *args, _preload_content=False, _request_timeout=client._timeout(), **kwargs
            )
        )
        try:
            return json.loads(response.data or b"{}")
        except (TypeError, ValueError):
            raise XeroTransientError(_lt("Xero sent a response that is not valid JSON."), "invalid_json") from None

    def _v2_pages(self, method, collection, **kwargs):
        page = 1
        while True:
            body = self._json(method, page=page, **kwargs)
            yield from body.get(collection) or []
            if page >= ((body.get("pagination") or {}).get("pageCount") or 1):
                return
            page += 1

    # -- employees and settings -----------------------------------------------------------------------
    def employees(self):
        if self._v1:
            body = self._json(self._v1.get_employees, where='Status=="ACTIVE"')
            return [
                PayrollEmployee(e["EmployeeID"], e.get("FirstName") or "", e.get("LastName") or "",
                                e.get("Email") or "", e.get("PayrollCalendarID") or "")
                for e in body.get("Employees") or []
            ]  # fmt: skip
        return [
            PayrollEmployee(e["employeeID"], e.get("firstName") or "", e.get("lastName") or "",
                            e.get("email") or "", e.get("payrollCalendarID") or "")
            for e in self._v2_pages(self._v2.get_employees, "employees")
            if not e.get("endDate") or _day(e["endDate"]) >= dt.date.today()
        ]  # fmt: skip

    def calendars(self):
        if self._v1:
            body = self._json(self._v1.get_payroll_calendars)
            return [
                PayrollCalendar(c["PayrollCalendarID"], c.get("Name") or "", (c.get("CalendarType") or "").upper(),
                                _day(c.get("StartDate")))
                for c in body.get("PayrollCalendars") or []
            ]  # fmt: skip
        return [
            PayrollCalendar(c["payrollCalendarID"], c.get("name") or "", (c.get("calendarType") or "").upper(),
                            _day(c.get("periodStartDate")), _day(c.get("periodEndDate")))
            for c in self._v2_pages(self._v2.get_pay_run_calendars, "payRunCalendars")
        ]  # fmt: skip

    def earnings_rates(self):
        if self._v1:
            body = self._json(self._v1.get_pay_items)
            rates = (body.get("PayItems") or {}).get("EarningsRates") or []
            return [
                EarningsRate(r["EarningsRateID"], r.get("Name") or "", r.get("EarningsType") or "")
                for r in rates
                if r.get("CurrentRecord", True)
            ]
        return [
            EarningsRate(r["earningsRateID"], r.get("name") or "", r.get("earningsType") or "")
            for r in self._v2_pages(self._v2.get_earnings_rates, "earningsRates")
            if r.get("currentRecord", True)
        ]

    # -- timesheets --------------------------------------------------------------------------------
    def create_timesheet(self, employee_id, calendar_id, start, end, lines, idempotency_key):
        """POST /Timesheets: one Draft timesheet with ``lines`` [(date, earnings rate id, units)]."""
        payload = {
            "payrollCalendarID": calendar_id,
            "employeeID": employee_id,
            "startDate": start.isoformat(),
            "endDate": end.isoformat(),
            "timesheetLines": [_line(day, rate, units) for day, rate, units in lines],
        }
        body = self._json(self._v2.create_timesheet, payload, idempotency_key=idempotency_key[:128])
        return _timesheet(body.get("timesheet") or {})

    def find_timesheet(self, employee_id, calendar_id, start):
        """The timesheet of the employee for the pay period starting ``start`` (None when there is none)."""
        found = self._v2_pages(
            self._v2.get_timesheets,
            "timesheets",
            filter=f"employeeId=={employee_id},payrollCalendarId=={calendar_id}",
            start_date=start.isoformat(),
        )
        for item in found:
            if _day(item.get("startDate")) == start:
                return self.timesheet(item["timesheetID"])
        return None

    def timesheet(self, timesheet_id):
        return _timesheet(self._json(self._v2.get_timesheet, timesheet_id).get("timesheet") or {})

    def approve(self, timesheet_id, idempotency_key):
        body = self._json(self._v2.approve_timesheet, timesheet_id, idempotency_key=idempotency_key[:128])
        return _timesheet(body.get("timesheet") or {})

    def add_line(self, timesheet_id, day, rate, units, idempotency_key):
        line = _line(day, rate, units)
        body = self._json(self._v2.create_timesheet_line, timesheet_id, line, idempotency_key=idempotency_key[:128])
        return (body.get("timesheetLine") or {}).get("timesheetLineID")

    def update_line(self, timesheet_id, line_id, day, rate, units, idempotency_key):
        line = _line(day, rate, units)
        self._json(self._v2.update_timesheet_line, timesheet_id, line_id, line, idempotency_key=idempotency_key[:128])

    def delete_line(self, timesheet_id, line_id):
        self._json(self._v2.delete_timesheet_line, timesheet_id, line_id)


def organisation_country(client):
    """The organisation's CountryCode (GET /Organisation, read raw)."""
    response = client._call(
        lambda: client._accounting.get_organisations(
            client._tenant(), _preload_content=False, _request_timeout=client._timeout()
        )
    )
    try:
        organisations = json.loads(response.data).get("Organisations") or [{}]
    except (TypeError, ValueError):
        raise XeroTransientError(_lt("Xero sent a response that is not valid JSON."), "invalid_json") from None
    return organisations[0].get("CountryCode") or ""


def _line(day, rate, units):
    return {"date": day.isoformat(), "earningsRateID": rate, "numberOfUnits": units}


def _timesheet(item):
    return PayrollTimesheet(
        timesheet_id=item.get("timesheetID") or "",
        employee_id=item.get("employeeID") or "",
        calendar_id=item.get("payrollCalendarID") or "",
        start=_day(item.get("startDate")),
        end=_day(item.get("endDate")),
        status=item.get("status") or "",
        lines=[
            (line.get("timesheetLineID"), _day(line.get("date")), line.get("earningsRateID"), line.get("numberOfUnits"))
            for line in item.get("timesheetLines") or []
        ],
    )


def _day(value):
    """A date from Xero's payroll forms: ``2020-04-13T00:00:00`` (v2) or ``/Date(1586736000000+0000)/`` (AU v1)."""
    if not value:
        return None
    if value.startswith("/Date("):
        return parse_ms_date(value).date()
    return dt.date.fromisoformat(value[:10])


def _add_months(day, months):
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return dt.date(year, month, min(day.day, month_calendar.monthrange(year, month)[1]))
