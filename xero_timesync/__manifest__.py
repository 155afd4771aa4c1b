{
    "name": "Xero Timesheets Sync",
    "version": "19.0.1.0.0",
    "category": "Services/Timesheets",
    "summary": "Xero contacts become project tasks; tracked time becomes invoices pushed to Xero",
    "author": "xero_timesync developers",
    "website": "https://github.com/xero-timesync/xero_timesync",
    "license": "LGPL-3",
    "depends": ["project", "hr_timesheet", "account"],
    "external_dependencies": {"python": ["xero_python"]},
    "data": [
        "security/xero_timesync_security.xml",
        "security/ir.model.access.csv",
    ],
    "installable": True,
    "application": False,
}
