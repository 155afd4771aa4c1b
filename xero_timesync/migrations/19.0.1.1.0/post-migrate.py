"""Imported tasks are nobody's (issue 12): before 19.0.1.1.0 the import assigned them to whoever ran it.

Remove that assignment, the task's creator (the admin who pressed Save or Force synchronization, OdooBot
for the cron), from every imported task. Assignees a person added by hand since are kept.
"""

import logging

_logger = logging.getLogger(__name__)


def migrate(cr, version):
    if not version:
        return
    cr.execute(
        """
        DELETE FROM project_task_user_rel rel
         USING project_task task
         WHERE rel.task_id = task.id
           AND task.xero_contact_id IS NOT NULL
           AND rel.user_id = task.create_uid
        """
    )
    _logger.info("Unassigned the importer from %s imported Xero tasks", cr.rowcount)
