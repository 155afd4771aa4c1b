"""One send of a pay period's hours for one employee to Xero Payroll (issue 26).

Xero keeps one timesheet per employee and pay period; Odoo keeps the history of what was sent to it. The first
revision creates the Draft timesheet, each correction is the next revision sent to that same timesheet while it is
still Draft. A revision records the lines (``{"date|EarningsRateID": units}``), its hours, who sent it and when
(``create_uid``, ``create_date``), its Idempotency-Key and Xero's answer. Written by the integration only; nobody
changes a revision afterwards.
"""

import uuid

from odoo import api, fields, models

from ..ownership import owned_writes

REVISION_STATES = [
    ("sending", "Sending"),
    ("sent", "Sent"),
    ("refused", "Refused by Xero"),
    ("kept", "Not Draft at Xero"),
    ("superseded", "Superseded"),
]


class XeroPayrollRevision(models.Model):
    _name = "xero.payroll.revision"
    _description = "Revision sent to Xero Payroll"
    _order = "timesheet_id, number desc"
    _rec_name = "number"

    timesheet_id = fields.Many2one(
        "xero.payroll.timesheet", required=True, ondelete="cascade", readonly=True, index=True
    )
    company_id = fields.Many2one(related="timesheet_id.company_id", store=True, index=True)
    number = fields.Integer("Revision", required=True, readonly=True)
    xero_nonce = fields.Char("Idempotency key", required=True, readonly=True, copy=False)
    lines = fields.Json(readonly=True, help='{"date|EarningsRateID": units}: the lines of this revision.')
    hours = fields.Float(readonly=True)
    state = fields.Selection(REVISION_STATES, default="sending", required=True, readonly=True)
    xero_status = fields.Char("Status at Xero", readonly=True)
    message = fields.Char("Xero's answer", readonly=True)
    summary = fields.Char("Hours per day", compute="_compute_summary")

    _number_uniq = models.Constraint("unique (timesheet_id, number)", "A revision number is used once per timesheet.")

    @api.depends("lines")
    def _compute_summary(self):
        for revision in self:
            revision.summary = ", ".join(
                f"{day}: {hours:g} h" for day, hours in sorted(_per_day(revision.lines or {}).items())
            )

    @api.model
    def _xero_next(self, timesheet, lines, nonce=None):
        """The revision that sends ``lines``: the last one when it holds the same lines and did not reach Xero (a
        run that died: its keys are replayed; a timesheet no longer Draft: asked again, not recorded again), else a
        new one numbered after the last; an unfinished one with other lines is superseded (its partial changes
        are part of what Xero holds, which the new one reads first)."""
        last = timesheet._xero_last_revision()
        retry = last.state in ("sending", "kept") and (nonce is None or last.xero_nonce == nonce)
        if retry and (last.lines or {}) == lines:
            return last
        with owned_writes():
            if last.state == "sending":
                last.write({"state": "superseded"})
            revision = self.sudo().create(
                {
                    "timesheet_id": timesheet.id,
                    "number": last.number + 1,
                    "xero_nonce": nonce or str(uuid.uuid4()),
                    "lines": lines,
                    "hours": round(sum(lines.values()), 2),
                }
            )
        if self.env["ir.cron"]._xero_in_job():
            self.env["ir.cron"]._commit_progress(remaining=1)
        return revision

    def _xero_answer(self, state, xero_status=None, message=False, lines=None):
        vals = {"state": state, "xero_status": xero_status or self.xero_status, "message": message}
        if lines is not None:
            vals.update(lines=lines, hours=round(sum(lines.values()), 2))
        with owned_writes():
            self.write(vals)


def _per_day(lines):
    days = {}
    for key, units in lines.items():
        days[key[:10]] = round(days.get(key[:10], 0.0) + units, 2)
    return days
