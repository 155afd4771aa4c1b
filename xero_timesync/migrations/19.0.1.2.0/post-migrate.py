"""19.0.1.2.0: the contact scope (issue 14) and one scheduler job per organisation (issue 16).

A task now remembers whether Xero archived its contact, apart from the scope: before, every contact
was in scope, so an archived imported task means an archived contact. Every connection gets its job.
"""

import logging

from odoo import SUPERUSER_ID, api

_logger = logging.getLogger(__name__)


def migrate(cr, version):
    if not version:
        return
    cr.execute(
        """
        UPDATE project_task SET xero_archived = NOT active
         WHERE xero_contact_id IS NOT NULL AND xero_archived IS DISTINCT FROM NOT active
        """
    )
    _logger.info("Marked %s imported Xero tasks archived at Xero", cr.rowcount)

    env = api.Environment(cr, SUPERUSER_ID, {})
    for connection in env["xero.connection"].search([]):
        env["xero.contact.sync"]._xero_ensure_cron(connection)
