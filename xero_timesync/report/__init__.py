from . import xero_timesheets_report
