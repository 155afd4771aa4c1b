"""Run by run.sh in an odoo shell on the 19.0.1.2.0 code: data the 19.0.1.3.0 renames touch."""

import json


def seed(env):
    company = env.company
    company.xero_time_rounding = "15"
    partner = env["res.partner"].create({"name": "Upgrade Customer"})
    project = env["project.project"].create({"name": "Upgrade Project", "allow_timesheets": True})
    task = env["project.task"].create({"name": "Upgrade Task", "project_id": project.id})
    employee = env.user.employee_id or env["hr.employee"].create({"name": "Upgrade Emp", "user_id": env.user.id})
    move = env["account.move"].create(
        {
            "move_type": "out_invoice",
            "partner_id": partner.id,
            "invoice_line_ids": [(0, 0, {"name": "Consulting", "quantity": 2.5, "price_unit": 100})],
        }
    )
    move.xero_time_rounding = "6"
    inv_line = move.invoice_line_ids[0]
    lines = env["account.analytic.line"].create(
        [
            {
                "name": f"work {i}",
                "project_id": project.id,
                "task_id": task.id,
                "employee_id": employee.id,
                "unit_amount": 1.1 + i,
                "xero_invoice_line_id": inv_line.id,
            }
            for i in range(2)
        ]
    )
    free = env["account.analytic.line"].create(
        {
            "name": "unbilled",
            "project_id": project.id,
            "task_id": task.id,
            "employee_id": employee.id,
            "unit_amount": 0.5,
        }
    )
    pushes = env["xero.invoice.push"].create(
        [{"move_id": move.id, "nonce": "nonce-aaa"}, {"move_id": move.id, "nonce": "nonce-bbb"}]
    )
    user = env["res.users"].create(
        {
            "name": "Xero Mgr",
            "login": "xeromgr",
            "group_ids": [(6, 0, [env.ref("base.group_user").id, env.ref("xero_timesync.group_xero_manager").id])],
        }
    )
    conn = (
        env["xero.connection"]
        .sudo()
        .create(
            {
                "company_id": company.id,
                "state": "connected",
                "tenant_id": "tenant-upgrade-1",
                "tenant_name": "Upgrade Org",
            }
        )
    )
    cron = conn._xero_ensure_cron()
    env.cr.commit()  # the update runs in another process: it must find the seed
    out = {
        "company": company.id,
        "company_rounding": company.xero_time_rounding,
        "move": move.id,
        "move_rounding": move.xero_time_rounding,
        "move_state": move.state,
        "inv_line": inv_line.id,
        "aal": {
            line.id: [line.xero_invoice_id.id, line.xero_invoice_line_id.id, line.xero_billed_hours, line.unit_amount]
            for line in lines | free
        },
        "pushes": {p.id: [p.move_id.id, p.nonce] for p in pushes},
        "push_seq": env.cr.execute("select last_value from xero_invoice_push_id_seq") or env.cr.fetchone()[0],
        "user": user.id,
        "user_in_mgr": user.has_group("xero_timesync.group_xero_manager"),
        "group_mgr_id": env.ref("xero_timesync.group_xero_manager").id,
        "conn": conn.id,
        "conn_cron": [cron.id, cron.model_id.model, cron.code],
        "crons": {
            x: [
                env.ref("xero_timesync." + x).id,
                env.ref("xero_timesync." + x).model_id.model,
                env.ref("xero_timesync." + x).code,
            ]
            for x in ("ir_cron_xero_sync_contacts", "ir_cron_xero_pull_invoice_status")
        },
    }
    print("SEED", json.dumps(out))


seed(env)  # noqa: F821  (odoo shell's env)
