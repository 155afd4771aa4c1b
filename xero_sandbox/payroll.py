"""Xero Payroll state per organisation: employees, pay calendars, earnings rates and timesheets.

The organisation's country decides its payroll: NZ and GB organisations answer Payroll NZ / UK
(``/payroll.xro/2.0``), AU organisations answer Payroll AU v2 timesheets on the same path and Payroll AU
v1 (``/payroll.xro/1.0``) for employees, calendars and pay items; other countries have no payroll.

Records are kept in one neutral shape (snake_case keys, ``datetime.date`` values) and rendered per API
by ``payroll_api``. Every seeded organisation gets one weekly and one monthly calendar, an ordinary and
an overtime earnings rate and three employees (deterministic per seed); the control API adds more.

Timesheet rules (the specs name the operations; the wording of the reasons is the sandbox's own):
a timesheet covers exactly one pay period of the employee's calendar, one per employee and period;
lines fall inside the period, name a current earnings rate and carry more than 0 and at most 24 units;
lines change only while the timesheet is Draft; Approve takes a Draft, RevertToDraft an Approved one;
a Completed timesheet (in a posted pay run) can neither change nor be deleted.
"""

import calendar as calendar_module
import datetime as dt
import threading
import uuid

from .data import seeded_uuid, tenant_rng

REGIONS = {"NZ": "NZ", "GB": "UK", "AU": "AU"}
CALENDAR_DAYS = {"Weekly": 7, "Fortnightly": 14, "FourWeekly": 28}
CALENDAR_MONTHS = {"Monthly": 1, "Quarterly": 3, "Annual": 12}
TWICE_MONTHLY = "TwiceMonthly"
HALF_MONTH_DAYS = 15  # the first period of a half-monthly calendar: 15 days from its start date (Xero's help)
# CalendarType per API: Payroll NZ's enum has TwiceMonthly, Payroll UK's PayRunCalendar has not, and Payroll AU
# (v1 PayrollCalendars) has TwiceMonthly but no Annual.
CALENDAR_TYPES = {
    "NZ": ("Weekly", "Fortnightly", "FourWeekly", "Monthly", "Annual", "Quarterly", TWICE_MONTHLY),
    "UK": ("Weekly", "Fortnightly", "FourWeekly", "Monthly", "Annual", "Quarterly"),
    "AU": ("Weekly", "Fortnightly", "FourWeekly", "Monthly", TWICE_MONTHLY, "Quarterly"),
}
SEED_EMPLOYEES = (
    ("Aroha", "Ngata", "M", "aroha.ngata@example.com"),
    ("Bridget", "Lowe", "F", "bridget.lowe@example.com"),
    ("Charles", "Okafor", "M", "charles.okafor@example.com"),
)
MAX_UNITS_PER_LINE = 24


class PayrollError(ValueError):
    """A refused payroll request: ``fields`` is [(field name, reason), ...] as Xero's invalidFields."""

    def __init__(self, fields: list):
        super().__init__("; ".join(reason for _, reason in fields))
        self.fields = fields


class PayrollBook:
    """One organisation's payroll records; ``lock`` guards every change."""

    def __init__(self, region):
        self.region = region
        self.lock = threading.RLock()
        self.employees = {}
        self.calendars = {}
        self.earnings_rates = {}
        self.timesheets = {}

    @classmethod
    def seeded(cls, tenant, seed: int, today: dt.date = None) -> "PayrollBook":
        book = cls(REGIONS.get(tenant.organisation.get("CountryCode")))
        if book.region is None:
            return book
        rng = tenant_rng(seed, tenant.index, "payroll")
        monday = _monday(today or dt.date.today())
        weekly = book.add_calendar("Weekly", "Weekly", monday - dt.timedelta(days=7), uuid_value=seeded_uuid(rng))
        book.add_calendar("Monthly", "Monthly", monday.replace(day=1), uuid_value=seeded_uuid(rng))
        expense = next((a["AccountID"] for a in tenant.accounts if a.get("Type") == "EXPENSE"), seeded_uuid(rng))
        book.add_earnings_rate("Ordinary Hours", "RegularEarnings", expense, uuid_value=seeded_uuid(rng))
        book.add_earnings_rate("Overtime Hours", "OvertimeEarnings", expense, 1.5, uuid_value=seeded_uuid(rng))
        for first, last, gender, email in SEED_EMPLOYEES:
            book.add_employee(first, last, email, weekly["id"], gender=gender, uuid_value=seeded_uuid(rng))
        return book

    # --- settings and employees ----------------------------------------------------------------------------
    def add_calendar(self, name, calendar_type, period_start, payment_offset=2, uuid_value=None) -> dict:
        allowed = CALENDAR_TYPES.get(self.region, ())
        if calendar_type not in allowed:
            raise ValueError(f"calendar type must be one of {', '.join(allowed)} in Payroll {self.region}")
        end = period_end(calendar_type, period_start)
        calendar = {
            "id": uuid_value or str(uuid.uuid4()),
            "name": name,
            "calendar_type": calendar_type,
            "period_start": period_start,
            "period_end": end,
            "payment_date": end + dt.timedelta(days=payment_offset),
            "updated": _now(),
        }
        with self.lock:
            self.calendars[calendar["id"]] = calendar
        return calendar

    def add_earnings_rate(self, name, earnings_type, expense_account_id, multiple=None, uuid_value=None) -> dict:
        rate = {
            "id": uuid_value or str(uuid.uuid4()),
            "name": name,
            "earnings_type": earnings_type,
            "rate_type": "MultipleOfOrdinaryEarningsRate" if multiple else "RatePerUnit",
            "multiple": multiple,
            "type_of_units": "hours",
            "current": True,
            "expense_account_id": expense_account_id,
            "updated": _now(),
        }
        with self.lock:
            self.earnings_rates[rate["id"]] = rate
        return rate

    def add_employee(self, first, last, email, calendar_id, gender="F", uuid_value=None, start=None) -> dict:
        if calendar_id not in self.calendars:
            raise ValueError(f"unknown payroll calendar {calendar_id!r}")
        now = _now()
        employee = {
            "id": uuid_value or str(uuid.uuid4()),
            "first_name": first,
            "last_name": last,
            "email": email,
            "gender": gender,
            "calendar_id": calendar_id,
            "start_date": start or dt.date(2020, 1, 6),
            "end_date": None,
            "date_of_birth": dt.date(1990, 5, 17),
            "ordinary_rate_id": next(iter(self.earnings_rates), None),
            "created": now,
            "updated": now,
        }
        with self.lock:
            self.employees[employee["id"]] = employee
        return employee

    def ordinary_rate(self):
        return next((r for r in self.earnings_rates.values() if r["earnings_type"] == "RegularEarnings"), None)

    # --- timesheets ------------------------------------------------------------------------------------------
    def timesheet(self, timesheet_id: str):
        return self.timesheets.get((timesheet_id or "").lower())

    def create_timesheet(self, fields: dict, lines: list) -> dict:
        with self.lock:
            employee, calendar, start, end = self._timesheet_header_or_fail(fields)
            clashing = [
                t for t in self.timesheets.values() if t["employee_id"] == employee["id"] and t["start_date"] == start
            ]
            if clashing:
                raise PayrollError([("StartDate", "A timesheet already exists for this employee and pay period.")])
            timesheet = {
                "id": str(uuid.uuid4()),
                "calendar_id": calendar["id"],
                "employee_id": employee["id"],
                "start_date": start,
                "end_date": end,
                "status": "Draft",
                "lines": [],
                "updated": _now(),
            }
            timesheet["lines"] = [self._line_or_fail(timesheet, line) for line in lines]
            self.timesheets[timesheet["id"]] = timesheet
            return timesheet

    def add_line(self, timesheet: dict, fields: dict) -> dict:
        with self.lock:
            _draft_or_fail(timesheet)
            line = self._line_or_fail(timesheet, fields)
            timesheet["lines"].append(line)
            timesheet["updated"] = _now()
            return line

    def update_line(self, timesheet: dict, line_id: str, fields: dict):
        with self.lock:
            _draft_or_fail(timesheet)
            index = _line_index(timesheet, line_id)
            if index is None:
                return None
            line = self._line_or_fail(timesheet, fields, line_id=timesheet["lines"][index]["id"])
            timesheet["lines"][index] = line
            timesheet["updated"] = _now()
            return line

    def delete_line(self, timesheet: dict, line_id: str):
        with self.lock:
            _draft_or_fail(timesheet)
            index = _line_index(timesheet, line_id)
            if index is None:
                return None
            timesheet["updated"] = _now()
            return timesheet["lines"].pop(index)

    def set_status(self, timesheet: dict, status: str, expected: tuple) -> dict:
        with self.lock:
            if timesheet["status"] not in expected:
                verb = "approved" if status == "Approved" else "reverted to draft"
                reason = f"A timesheet with status {timesheet['status']} cannot be {verb}."
                raise PayrollError([("Status", reason)])
            timesheet["status"] = status
            timesheet["updated"] = _now()
            return timesheet

    def delete_timesheet(self, timesheet: dict) -> None:
        with self.lock:
            if timesheet["status"] == "Completed":
                raise PayrollError(
                    [("Status", "A Completed timesheet is part of a posted pay run and cannot be deleted.")]
                )
            self.timesheets.pop(timesheet["id"], None)

    def _timesheet_header_or_fail(self, fields: dict):
        problems = [(name, f"{name} is required.") for name in ("PayrollCalendarID", "EmployeeID", "StartDate", "EndDate")
                    if not fields.get(name)]  # fmt: skip
        if problems:
            raise PayrollError(problems)
        employee = self.employees.get(str(fields["EmployeeID"]).lower())
        calendar = self.calendars.get(str(fields["PayrollCalendarID"]).lower())
        if employee is None:
            problems.append(("EmployeeID", "Invalid Employee ID."))
        if calendar is None:
            problems.append(("PayrollCalendarID", "Invalid Payroll Calendar ID."))
        start, end = _date_or_none(fields["StartDate"]), _date_or_none(fields["EndDate"])
        if start is None or end is None:
            problems.append(("StartDate" if start is None else "EndDate", "Dates must be in the form YYYY-MM-DD."))
        if problems:
            raise PayrollError(problems)
        if employee["calendar_id"] != calendar["id"]:
            raise PayrollError([("PayrollCalendarID", "The employee is not assigned to this payroll calendar.")])
        if not is_period(calendar, start, end):
            reason = "The timesheet must cover exactly one pay period of the payroll calendar."
            raise PayrollError([("StartDate", reason), ("EndDate", reason)])
        if employee["end_date"] and employee["end_date"] < start:
            raise PayrollError([("EmployeeID", "The employee was terminated before this pay period.")])
        return employee, calendar, start, end

    def _line_or_fail(self, timesheet: dict, fields: dict, line_id: str = None) -> dict:
        problems = []
        day = _date_or_none(fields.get("Date"))
        if day is None:
            problems.append(("Date", "Date is required and must be in the form YYYY-MM-DD."))
        elif not timesheet["start_date"] <= day <= timesheet["end_date"]:
            problems.append(("Date", "The timesheet line date must fall within the timesheet period."))
        rate = self.earnings_rates.get(str(fields.get("EarningsRateID") or "").lower())
        if rate is None or not rate["current"]:
            problems.append(("EarningsRateID", "Invalid Earnings Rate ID."))
        units = fields.get("NumberOfUnits")
        if not isinstance(units, int | float) or isinstance(units, bool) or not 0 < units <= MAX_UNITS_PER_LINE:
            problems.append(
                ("NumberOfUnits", f"The number of units must be more than 0 and at most {MAX_UNITS_PER_LINE}.")
            )
        if problems:
            raise PayrollError(problems)
        return {
            "id": line_id or str(uuid.uuid4()),
            "date": day,
            "earnings_rate_id": rate["id"],
            "tracking_item_id": fields.get("TrackingItemID"),
            "units": float(units),
        }


def is_period(calendar: dict, start: dt.date, end: dt.date) -> bool:
    """Whether [start, end] is one whole pay period of ``calendar`` (any period, past or future)."""
    calendar_type = calendar["calendar_type"]
    anchor = calendar["period_start"]
    if calendar_type == TWICE_MONTHLY:
        return (start, end) == half_month_of(anchor, start)
    if calendar_type in CALENDAR_DAYS:
        if (start - anchor).days % CALENDAR_DAYS[calendar_type]:
            return False
    elif start.day != anchor.day:
        return False
    return end == period_end(calendar_type, start)


def period_end(calendar_type: str, start: dt.date) -> dt.date:
    if calendar_type == TWICE_MONTHLY:
        return half_month_of(start, start)[1]
    if calendar_type in CALENDAR_DAYS:
        return start + dt.timedelta(days=CALENDAR_DAYS[calendar_type] - 1)
    months = start.month - 1 + CALENDAR_MONTHS[calendar_type]
    following = dt.date(start.year + months // 12, months % 12 + 1, 1)
    return (
        following - dt.timedelta(days=1) if start.day == 1 else following.replace(day=start.day) - dt.timedelta(days=1)
    )


def half_month_of(anchor: dt.date, day: dt.date):
    """The half-monthly period holding ``day`` of a calendar started on ``anchor``: from its day D of each month
    15 days (D to D+14), then D+15 to the day before D of the next month."""
    for back in (0, 1):
        first = _same_day(anchor, day.year, day.month - back)
        second = first + dt.timedelta(days=HALF_MONTH_DAYS)
        following = _same_day(anchor, day.year, day.month - back + 1)
        if first <= day < second:
            return first, second - dt.timedelta(days=1)
        if second <= day < following:
            return second, following - dt.timedelta(days=1)
    return None


def _same_day(anchor: dt.date, year: int, month: int) -> dt.date:
    year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
    return dt.date(year, month, min(anchor.day, calendar_module.monthrange(year, month)[1]))


def total_hours(timesheet: dict) -> float:
    return round(sum(line["units"] for line in timesheet["lines"]), 2)


def _draft_or_fail(timesheet: dict) -> None:
    if timesheet["status"] != "Draft":
        raise PayrollError([("Status", f"Only a Draft timesheet can be changed; this one is {timesheet['status']}.")])


def _line_index(timesheet: dict, line_id: str):
    line_id = (line_id or "").lower()
    return next((i for i, line in enumerate(timesheet["lines"]) if line["id"] == line_id), None)


def _date_or_none(value):
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        return dt.date.fromisoformat(value.strip()[:10])
    except ValueError:
        return None


def _monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0, tzinfo=None)
