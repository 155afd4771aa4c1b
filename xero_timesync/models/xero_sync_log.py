from datetime import timedelta

from odoo import _, api, fields, models
from odoo.tools import format_datetime

from .. import const
from .xero_job import FLOWS


class XeroSyncLog(models.Model):
    """One synchronization run: what triggered it, what it changed, what it cost."""

    _name = "xero.sync.log"
    _description = "Xero synchronization log"
    _order = "started_at desc, id desc"
    _rec_name = "started_at"

    connection_id = fields.Many2one("xero.connection", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="connection_id.company_id", store=True, index=True)
    flow = fields.Selection(FLOWS, required=True, default="contacts", index=True)
    trigger = fields.Selection(
        [
            ("wizard", "Enable integration"),
            ("cron", "Hourly"),
            ("manual", "Force synchronization"),
            ("webhook", "Webhook"),
        ],
        required=True,
    )
    started_at = fields.Datetime(required=True, default=fields.Datetime.now)
    duration = fields.Float("Duration (s)", digits=(12, 2))
    state = fields.Selection(
        [
            ("running", "Running"),
            ("done", "Done"),
            ("partial", "Continuing in background"),
            ("failed", "Failed"),
            ("skipped", "Skipped"),
        ],
        default="running",
        required=True,
    )
    contacts_received = fields.Integer("Contacts received")
    created_count = fields.Integer("Created")
    updated_count = fields.Integer("Updated")
    archived_count = fields.Integer("Archived")
    restored_count = fields.Integer("Restored")
    merged_count = fields.Integer("Merged", help="Contacts Xero merged into another: their time followed.")
    refused_count = fields.Integer("Refused", help="Contacts Odoo could not store; retried by every run.")
    matched_count = fields.Integer("Matched", help="Contacts linked to a client Odoo already had.")
    conflicts_count = fields.Integer(
        "Conflicts", help="Contacts matching several clients (or a client matching several contacts): not created."
    )
    statuses_count = fields.Integer("Statuses updated", help="Invoices whose status changed at Xero.")
    voids_count = fields.Integer("Voids followed", help="Documents voided or deleted at Xero, followed here.")
    payments_count = fields.Integer(
        "Payments", help="Payments changed at Xero on invoices: read and applied (registered, or cancelled)."
    )
    credit_notes_count = fields.Integer(
        "Credit notes", help="Credit notes changed at Xero: read and applied (brought back, or voided)."
    )
    events_count = fields.Integer("Events fetched", help="Webhook events whose invoice or credit note was read.")
    pages = fields.Integer()
    api_calls = fields.Integer("API calls")
    message = fields.Text()
    summary = fields.Char(compute="_compute_summary")

    @api.depends("trigger", "started_at")
    @api.depends_context("tz", "lang")
    def _compute_display_name(self):
        """“Hourly sync — 6 Dec 2026 14:03”, in the reader's timezone and language."""
        titles = {
            "wizard": _("First import"),
            "cron": _("Hourly sync"),
            "manual": _("Forced sync"),
            "webhook": _("Webhook sync"),
        }
        for log in self:
            title = titles.get(log.trigger) or _("Sync")
            when = format_datetime(log.env, log.started_at, tz=log.env.context.get("tz"), dt_format="d MMM y HH:mm")
            log.display_name = f"{title} — {when}" if when else title

    @api.depends(
        "state",
        "flow",
        "statuses_count",
        "voids_count",
        "payments_count",
        "credit_notes_count",
        "events_count",
        "created_count",
        "updated_count",
        "archived_count",
        "restored_count",
        "merged_count",
        "refused_count",
        "matched_count",
        "conflicts_count",
        "message",
    )
    def _compute_summary(self):
        for log in self:
            if log.state in ("failed", "skipped"):
                log.summary = log.message
                continue
            if log.flow != "contacts":
                log.summary = log._flow_summary()
                continue
            log.summary = _(
                "%(created)s created, %(updated)s updated, %(archived)s archived, %(restored)s restored",
                created=log.created_count,
                updated=log.updated_count,
                archived=log.archived_count,
                restored=log.restored_count,
            )
            if log.merged_count:
                log.summary += _(", %s merged", log.merged_count)
            if log.refused_count:
                log.summary += _(", %s refused (see Refused contacts)", log.refused_count)
            if log.matched_count:
                log.summary += _(", %s matched to existing clients", log.matched_count)
            if log.conflicts_count:
                log.summary += _(", %s to match (see Contacts to match)", log.conflicts_count)

    def _flow_summary(self):
        if self.flow == "payroll":  # its counts are in its message (xero.payroll.timesheet._xero_summary)
            return self.message or ""
        if self.flow == "invoices":
            summary = _(
                "%(statuses)s statuses updated, %(voids)s voids followed",
                statuses=self.statuses_count,
                voids=self.voids_count,
            )
        elif self.flow == "projects":  # its run writes its counts in the message
            return self.message or ""
        elif self.flow == "money":
            summary = _(
                "%(payments)s payments, %(notes)s credit notes",
                payments=self.payments_count,
                notes=self.credit_notes_count,
            )
        else:
            summary = _(
                "%(events)s events fetched, %(voids)s voids followed", events=self.events_count, voids=self.voids_count
            )
        return f"{summary}. {self.message}" if self.message else summary

    def _notification_action(self):
        """A toast telling the user how the run went."""
        self.ensure_one()
        kind = {"done": "success", "partial": "info", "skipped": "warning"}.get(self.state, "danger")
        titles = {
            "done": _("Xero synchronization done"),
            "partial": _("Xero import continues in the background"),
            "skipped": _("Xero synchronization already running"),
            "failed": _("Xero synchronization failed"),
        }
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": kind,
                "title": titles.get(self.state, _("Xero synchronization")),
                "message": self.summary,
                "sticky": self.state == "failed",
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    def _add_counts(self, counts):
        self.ensure_one()
        self.write({f"{key}_count": self[f"{key}_count"] + value for key, value in counts.items()})

    @api.autovacuum
    def _gc_old_logs(self):
        cutoff = fields.Datetime.now() - timedelta(days=const.SYNC_LOG_RETENTION_DAYS)
        self.sudo().search([("started_at", "<", cutoff), ("state", "!=", "running")]).unlink()
        # a run lives minutes; one still "running" after hours lost its worker and no run came after it
        stale = fields.Datetime.now() - timedelta(hours=const.SYNC_LOG_STALE_HOURS)
        self.sudo().search([("started_at", "<", stale), ("state", "=", "running")]).write(
            {"state": "failed", "message": _("Interrupted: its worker stopped.")}
        )
