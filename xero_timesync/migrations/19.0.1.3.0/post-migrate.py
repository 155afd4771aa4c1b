"""19.0.1.3.0: one model per flow (issue 17). The contact synchronization moved from xero.connection to
xero.contact.sync, its scheduler jobs with it.

Repoint the hourly safety net and every organisation's own job (model and code) at xero.contact.sync;
their schedule, next call and history stay.
"""

import logging

from odoo import SUPERUSER_ID, api

_logger = logging.getLogger(__name__)


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    Sync = env["xero.contact.sync"]
    model_id = env["ir.model"]._get_id(Sync._name)
    code = {}
    safety_net = env.ref("xero_timesync.ir_cron_xero_sync_contacts", raise_if_not_found=False)
    if safety_net:
        code[safety_net] = "model._cron_xero_sync_contacts()"
    for connection in env["xero.connection"].with_context(active_test=False).search([("sync_cron_id", "!=", False)]):
        code[connection.sync_cron_id] = Sync._xero_cron_code(connection)
    for cron, cron_code in code.items():
        cron.write({"model_id": model_id, "code": cron_code})
    orphans = (
        env["ir.cron"]
        .with_context(active_test=False)
        .search([("model_id.model", "=", "xero.connection"), ("code", "=like", "model._cron_xero_sync_connection(%")])
    )
    orphans.write({"model_id": model_id})  # a job whose connection row is gone: it keeps answering "nothing to do"
    _logger.info("Moved %s Xero synchronization jobs to xero.contact.sync", len(code) + len(orphans))
