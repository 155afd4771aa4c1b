"""With sale_timesheet installed, time invoiced (or to be invoiced) through a sales order is never offered
again by Invoice time (issue 13 item 8). A database of its own: sale_timesheet is not a dependency."""

import subprocess
import sys

from test_addon_lifecycle import CONFIG, fresh_database, odoo  # noqa: F401  (fixture)

CHECK = """
import sys
from datetime import date

import odoo
from odoo.modules.registry import Registry
from odoo.tools import config

cfg, db = sys.argv[1:]
config.parse_config(["-c", cfg])
with Registry(db).cursor() as cr:
    env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
    partner = env["res.partner"].create({"name": "Two Ways Ltd"})
    project = env["project.project"].create({"name": "Work", "allow_timesheets": True, "partner_id": partner.id})
    task = env["project.task"].create({"name": "Job", "project_id": project.id, "partner_id": partner.id})
    employee = env["hr.employee"].create({"name": "Sam"})
    env.company.xero_default_hourly_rate = 100

    def line(name):
        return env["account.analytic.line"].create({
            "name": name, "project_id": project.id, "task_id": task.id, "employee_id": employee.id,
            "unit_amount": 2, "date": date(2026, 3, 2),
        })

    free, through_sale = line("Free"), line("Invoiced through a sales order")
    invoice = env["account.move"].create({"move_type": "out_invoice", "partner_id": partner.id})
    through_sale.timesheet_invoice_id = invoice  # what sale_timesheet writes when the order is invoiced
    wizard = env["xero.invoice.wizard"].create({"partner_id": partner.id})
    offered = wizard.timesheet_ids
    assert free in offered, offered
    assert through_sale not in offered, "time invoiced through a sales order must not be invoiced again"
    print("COEXISTENCE OK")
    cr.rollback()
"""


def test_time_invoiced_through_a_sales_order_is_not_offered_again(fresh_database):  # noqa: F811
    code, log = odoo(
        "server", "-c", CONFIG, "-d", fresh_database, "-i", "xero_timesync,sale_timesheet", "--stop-after-init"
    )
    assert code == 0, log
    result = subprocess.run(
        [sys.executable, "-c", CHECK, CONFIG, fresh_database], capture_output=True, text=True, timeout=300, check=False
    )
    assert "COEXISTENCE OK" in result.stdout, result.stdout + result.stderr
