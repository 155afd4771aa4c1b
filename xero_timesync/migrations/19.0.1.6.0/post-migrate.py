"""19.0.1.6.0: the connections the pre-migrate script unlinked (their organisation stays with the company that
linked it first) get an activity for an administrator of their company, and a note in their history."""

from odoo import SUPERUSER_ID, api

DETACHED_PARAM = "xero_timesync.migration_1_6_0_detached"


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    param = env["ir.config_parameter"].sudo().search([("key", "=", DETACHED_PARAM)])
    if not param:
        return
    Connection = env["xero.connection"].sudo()
    for connection in Connection.browse(int(i) for i in param.value.split(",")).exists():
        holders = Connection._xero_organisation_holders([connection.tenant_id], connection.company_id)
        holder = holders.get(connection.tenant_id)
        if not holder:
            continue
        message = env._(
            "Xero integration unlinked by the upgrade: the Xero organisation “%(organisation)s” was linked to both"
            " %(company)s and %(holder)s, and one organisation now belongs to one company. %(holder)s linked it"
            " first and keeps it. Imported projects, tasks and clients are kept. Enable the integration of"
            " %(company)s with its own organisation, or unlink it in %(holder)s first.",
            organisation=connection.tenant_name or connection.tenant_id,
            company=connection.company_id.name,
            holder=holder.company_id.name,
        )
        connection.message_post(body=message)
        env["xero.service"]._xero_schedule_admin_activity(
            connection,
            "xero_timesync.mail_activity_type_xero_reauth",
            env._("Xero organisation linked to %s", holder.company_id.name),
            message,
        )
    param.unlink()
