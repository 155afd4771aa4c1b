import json
import uuid
from datetime import timedelta

from odoo import fields, models

from .. import const

LIVE_STATES = ("pending", "pushed", "refused")


class XeroProjectsEntry(models.Model):
    """One timesheet line's time entry in Xero Projects (issue 26), created before the call that makes it.

    ``nonce`` is the Idempotency-Key of that call and ``payload`` its body: a call whose answer was lost is
    replayed with both, so Xero answers with the entry it made instead of making a second one. A line has at
    most one live entry (pending, pushed or refused); ``held`` lines wait for something only a person can give
    (a projects user with their e-mail), ``deleted`` entries are history.
    """

    _name = "xero.projects.entry"
    _description = "Xero Projects time entry of a timesheet line"
    _order = "id desc"

    connection_id = fields.Many2one("xero.connection", required=True, ondelete="cascade", index=True, readonly=True)
    company_id = fields.Many2one(related="connection_id.company_id", store=True, index=True)
    line_id = fields.Many2one(
        "account.analytic.line", "Timesheet", ondelete="set null", index="btree_not_null", readonly=True
    )
    partner_id = fields.Many2one("res.partner", "Client", readonly=True, index=True)
    state = fields.Selection(
        [
            ("held", "Held"),
            ("pending", "Sent, answer awaited"),
            ("pushed", "In Xero Projects"),
            ("refused", "Refused by Xero"),
            ("deleted", "Deleted"),
        ],
        required=True,
        default="held",
        readonly=True,
        index=True,
    )
    xero_project_id = fields.Char("Xero project", readonly=True)
    xero_time_entry_id = fields.Char("Xero time entry", readonly=True, index="btree_not_null")
    nonce = fields.Char("Idempotency-Key", readonly=True, copy=False)
    payload = fields.Text(readonly=True, help="The body sent with the nonce (replayed as it was).")
    signature = fields.Char(readonly=True, help="What Xero has: minutes, date, description, user and task.")
    synced_at = fields.Datetime(readonly=True)
    message = fields.Char(readonly=True)

    _line_live_uniq = models.UniqueIndex(
        "(line_id) WHERE line_id IS NOT NULL AND state IN ('pending', 'pushed', 'refused')",
        "A timesheet line has one time entry in Xero Projects.",
    )

    def _xero_prepare(self, project_id, entry):
        """The call is about to leave: a fresh nonce and the body it carries (written before the call)."""
        self.write(
            {
                "state": "pending",
                "xero_project_id": project_id,
                "nonce": str(uuid.uuid4()),
                "payload": json.dumps(entry, sort_keys=True),
                "synced_at": self.env["xero.projects"]._xero_synced_at(),  # the line as read now
                "message": False,
            }
        )

    def _xero_sent_vals(self, time_entry_id):
        """What a sent (or taken over) entry records. An entry left pending by a run before 19.0.1.10.0 has no
        ``synced_at`` (the send wrote it then): its preparation, its last write, less the overlap, so that the
        edits of its line are followed (``write_date >= NULL`` never is)."""
        vals = {"state": "pushed", "xero_time_entry_id": time_entry_id, "message": False}
        if not self.synced_at:
            vals["synced_at"] = self.write_date - timedelta(seconds=const.SYNC_OVERLAP_SECONDS)
        return vals

    def _xero_body(self):
        return json.loads(self.payload)
