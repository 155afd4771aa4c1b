"""A Xero contact's sales payment terms (``PaymentTerms.Sales``): the due date Xero gives its invoices.

Pure functions, no Odoo: the invoice wizard and the tests share them.
"""

import calendar
from datetime import date, timedelta

PAYMENT_TERM_TYPES = [
    ("DAYSAFTERBILLDATE", "day(s) after the invoice date"),
    ("DAYSAFTERBILLMONTH", "day(s) after the end of the invoice month"),
    ("OFCURRENTMONTH", "of the current month"),
    ("OFFOLLOWINGMONTH", "of the following month"),
]


def _day_of_month(year, month, day):
    """The ``day`` of that month, the month's last day when it has fewer (31 of February is its 28th or 29th)."""
    return date(year, month, min(max(day, 1), calendar.monthrange(year, month)[1]))


def due_date(invoice_date, day, term_type):
    """The due date Xero computes for an invoice of ``invoice_date`` with the terms ``day`` + ``term_type``;
    None without terms (``term_type`` empty or unknown).

    - DAYSAFTERBILLDATE: ``day`` days after the invoice date (0: the invoice date);
    - DAYSAFTERBILLMONTH: ``day`` days after the last day of the invoice's month;
    - OFCURRENTMONTH: the ``day``-th of the invoice's month (even when that is before the invoice date, as in
      Xero, which leaves such an invoice overdue at once);
    - OFFOLLOWINGMONTH: the ``day``-th of the month after.
    A day past the month's end is its last day.
    """
    if not invoice_date or not term_type:
        return None
    day = int(day or 0)
    if term_type == "DAYSAFTERBILLDATE":
        return invoice_date + timedelta(days=day)
    if term_type == "DAYSAFTERBILLMONTH":
        month_end = _day_of_month(invoice_date.year, invoice_date.month, 31)
        return month_end + timedelta(days=day)
    if term_type == "OFCURRENTMONTH":
        return _day_of_month(invoice_date.year, invoice_date.month, day)
    if term_type == "OFFOLLOWINGMONTH":
        year, month = (
            (invoice_date.year + 1, 1) if invoice_date.month == 12 else (invoice_date.year, invoice_date.month + 1)
        )
        return _day_of_month(year, month, day)
    return None
