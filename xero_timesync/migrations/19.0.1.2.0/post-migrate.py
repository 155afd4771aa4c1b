"""Contact scope (issue 14): a task now remembers whether Xero archived its contact, apart from the scope.

Before 19.0.1.2.0 every contact was in scope, so an archived imported task means an archived contact.
"""

import logging

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
