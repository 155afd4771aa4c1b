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
        "data/ir_cron_data.xml",
        "views/xero_connect_wizard_views.xml",
        "views/xero_sync_log_views.xml",
        "views/res_config_settings_views.xml",
        "views/project_task_views.xml",
        "views/project_project_views.xml",
        "views/xero_menus.xml",
        "views/xero_timer_views.xml",
        "views/project_task_views_timer.xml",
    ],
    "assets": {
        "web.assets_backend": [
            "xero_timesync/static/src/**/*",
        ],
        "web.assets_tests": [
            "xero_timesync/static/tests/tours/*.js",
        ],
    },
}
