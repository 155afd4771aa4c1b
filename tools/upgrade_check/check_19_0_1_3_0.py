"""Run by run.sh in an odoo shell on the new code after the update: what the 19.0.1.3.0 renames kept."""

import json

from odoo.tools.sql import column_exists


def check(env):
    r = {}
    cr = env.cr
    c = env.company
    r["company.xero_invoice_rounding"] = c.xero_invoice_rounding
    m = env["account.move"].search([("partner_id.name", "=", "Upgrade Customer")])
    r["move.xero_invoice_rounding"] = m.xero_invoice_rounding
    r["move.state"] = m.state
    r["aal"] = {
        line.id: [
            line.xero_billed_move_id.id,
            line.xero_billed_move_line_id.id,
            line.xero_billed_hours,
            line.unit_amount,
        ]
        for line in env["account.analytic.line"].search([("project_id.name", "=", "Upgrade Project")])
    }
    P = env["xero.push.attempt"]
    r["push_rows"] = {p.id: [p.move_id.id, p.nonce] for p in P.search([], order="id")}
    newp = P.create({"move_id": m.id, "nonce": "nonce-ccc"})
    r["new_push_id"] = newp.id
    u = env["res.users"].search([("login", "=", "xeromgr")])
    r["user_in_admin"] = u.has_group("xero_timesync.group_xero_admin")
    r["admin_group_id"] = env.ref("xero_timesync.group_xero_admin").id
    r["ref_group_xero_manager"] = repr(env.ref("xero_timesync.group_xero_manager", raise_if_not_found=False))

    def cron(x):
        return [x.id, x.model_id.model, x.code, str(x.nextcall), x.active]

    r["cron_sync_contacts"] = cron(env.ref("xero_timesync.ir_cron_xero_sync_contacts"))
    r["cron_pull_status"] = cron(env.ref("xero_timesync.ir_cron_xero_pull_invoice_status"))
    conn = env["xero.connection"].search([("tenant_id", "=", "tenant-upgrade-1")])
    r["conn_cron"] = cron(conn.sync_cron_id)
    # the code's method exists on the model
    for key in ("cron_sync_contacts", "cron_pull_status", "conn_cron"):
        model, code = r[key][1], r[key][2]
        meth = code.split("model.")[1].split("(")[0]
        r[key].append(hasattr(env[model], meth))

    def q(sql, *a):
        cr.execute(sql, a)
        return cr.fetchall()

    for table, column in (
        ("account_analytic_line", "xero_invoice_id"),
        ("account_analytic_line", "xero_billed_move_id"),
        ("res_company", "xero_time_rounding"),
        ("account_move", "xero_time_rounding"),
    ):
        r[f"column {table}.{column}"] = column_exists(cr, table, column)
    r["tables"] = q(
        "select to_regclass('xero_invoice_push')::text, to_regclass('xero_push_attempt')::text, to_regclass('xero_push_attempt_id_seq')::text, to_regclass('xero_invoice_push_id_seq')::text"
    )
    r["indexes"] = q(
        "select indexname from pg_indexes where tablename in ('xero_push_attempt','account_analytic_line') and indexname ~ '(push|billed|xero_invoice_id)' order by 1"
    )
    r["ir_model_old"] = q("select id from ir_model where model='xero.invoice.push'")
    r["imd_old_names"] = q(
        "select name from ir_model_data where module='xero_timesync' and name ~ '(invoice_push|time_rounding|xero_manager|_manager$)' "
    )
    r["selection_rows"] = q(
        "select f.model, s.value, d.name from ir_model_fields_selection s join ir_model_fields f on f.id=s.field_id left join ir_model_data d on d.model='ir.model.fields.selection' and d.res_id=s.id where f.name='xero_invoice_rounding' order by 1,2"
    )
    r["fields_old"] = q(
        "select model, name from ir_model_fields where (name='xero_time_rounding') or (model='account.analytic.line' and name='xero_invoice_id') or model='xero.invoice.push'"
    )
    r["access_push"] = q(
        "select a.name, d.name from ir_model_access a join ir_model m on m.id=a.model_id left join ir_model_data d on d.model='ir.model.access' and d.res_id=a.id where m.model='xero.push.attempt'"
    )
    r["views_old_names"] = q(
        r"select id, model from ir_ui_view where arch_db::text ~ '\mxero_time_rounding\M' or (model='account.analytic.line' and arch_db::text ~ '\mxero_invoice_id\M')"
    )
    r["pending"] = {k.id: v for k, v in P._pending(m).items()}
    env.cr.rollback()
    print("CHECK", json.dumps(r, default=str, indent=0))


check(env)  # noqa: F821  (odoo shell's env)
