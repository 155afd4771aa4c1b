"""Month-end in one click: every client's time of a period invoiced, then pushed to Xero, by a job in chunks.

Each client is a line with a state: a run that stops (a worker limit, a crash) continues with the lines left,
and never doubles anything: the timesheets' invoice line keeps their time from a second invoice, the push's
idempotency (``xero.invoice.sync._xero_push``) keeps an invoice from reaching Xero twice.
"""

from datetime import timedelta

from dateutil.relativedelta import relativedelta

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.fields import Domain

from .. import const
from ..locks import advisory_lock
from ..services.errors import XeroError

STATES = [
    ("draft", "Draft"),
    ("creating", "Creating invoices"),
    ("created", "Invoices created"),
    ("pushing", "Pushing to Xero"),
    ("done", "Done"),
]
CRON = "xero_timesync.ir_cron_xero_billing_runs"


class XeroBillingRun(models.Model):
    _name = "xero.billing.run"
    _description = "Billing run"
    _order = "id desc"
    _check_company_auto = True

    name = fields.Char(compute="_compute_name", store=True)
    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company, index=True)
    date_from = fields.Date("From", required=True)
    date_to = fields.Date("To", required=True)
    partner_ids = fields.Many2many(
        "res.partner",
        string="Clients",
        check_company=True,
        domain="[('xero_contact_id', '!=', False), ('company_id', 'in', [company_id, False])]",
        help="Leave empty to bill every Xero client with time in the period (or the contact group's).",
    )
    contact_group_id = fields.Many2one(
        "xero.contact.group",
        "Xero contact group",
        help="Bill the clients of this Xero contact group (its members are read from Xero at the preview).",
    )
    state = fields.Selection(STATES, default="draft", required=True, readonly=True, copy=False)
    scheduled = fields.Boolean(readonly=True, copy=False, help="Made by the company's billing schedule.")
    push_when_created = fields.Boolean(
        readonly=True, copy=False, help="Push the invoices to Xero as soon as they are created."
    )
    message = fields.Text(readonly=True, copy=False)
    line_ids = fields.One2many("xero.billing.run.line", "run_id", "Clients to bill", readonly=True)
    line_count = fields.Integer("Number of clients", compute="_compute_progress")
    done_count = fields.Integer("Done", compute="_compute_progress")
    progress = fields.Float(compute="_compute_progress")
    hours_total = fields.Float("Hours", compute="_compute_progress", digits="Product Unit")
    created_count = fields.Integer("Invoices", compute="_compute_progress")
    pushed_count = fields.Integer("Pushed", compute="_compute_progress")
    refused_count = fields.Integer("Refused", compute="_compute_progress")

    _dates_ordered = models.Constraint("CHECK (date_from <= date_to)", "The period ends after it starts.")

    @api.depends("date_from", "date_to")
    def _compute_name(self):
        for run in self:
            run.name = _("Billing %(start)s – %(end)s", start=run.date_from, end=run.date_to)

    @api.depends("state", "line_ids.state", "line_ids.hours")
    def _compute_progress(self):
        for run in self:
            lines = run.line_ids
            pending = {"creating": ("todo",), "pushing": ("created",)}.get(run.state, ())
            run.line_count = len(lines)
            run.done_count = len(lines.filtered(lambda line, p=pending: line.state not in p))
            run.progress = 100.0 * run.done_count / run.line_count if run.line_count else 0.0
            run.hours_total = sum(lines.mapped("hours"))
            run.created_count = len(lines.filtered("move_id"))
            run.pushed_count = len(lines.filtered(lambda line: line.state == "pushed"))
            run.refused_count = len(lines.filtered(lambda line: line.state in ("refused", "push_failed")))

    def write(self, vals):
        chosen = {"company_id", "date_from", "date_to", "partner_ids", "contact_group_id"}.intersection(vals)
        if chosen and self.filtered(lambda run: run.state != "draft"):
            raise UserError(_("The period and clients of a billing run are fixed once its invoices are made."))
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_running(self):
        if self.filtered(lambda run: run.state in ("creating", "pushing")):
            raise UserError(_("A billing run in progress cannot be deleted; wait until it ends."))

    # -- the accountant's buttons -----------------------------------------------------------------------
    def _check_accountant(self):
        if not self.env.user.has_group("account.group_account_invoice"):
            raise AccessError(_("Only accountants can run a billing run."))

    def _check_state(self, *states):
        for run in self:
            if run.state not in states:
                raise UserError(
                    _(
                        "%(run)s is %(state)s: this step is not possible now.",
                        run=run.display_name,
                        state=dict(self._fields["state"]._description_selection(self.env))[run.state].lower(),
                    )
                )

    def action_preview(self):
        """Each client's hours, amount and invoice lines, as the invoice would bill them now."""
        self._check_accountant()
        self.check_access("write")
        self._check_state("draft")
        for run in self:
            run._xero_preview()
        return True

    def action_create_invoices(self):
        """One invoice per client, made by Invoice time with the client's settings; the job does the rest."""
        self._check_accountant()
        self.check_access("write")
        self._check_state("draft")
        for run in self:
            if not run.line_ids:
                run._xero_preview()
            if not run.line_ids:
                raise UserError(_("There is no time to invoice for these clients in this period."))
            run.sudo().state = "creating"
        self._xero_continue_now()
        return True

    def action_push(self):
        """Post the run's invoices and push them to Xero in batches; the ones refused before are tried again."""
        self._check_accountant()
        self.check_access("write")
        self._check_state("created", "done")
        for run in self:
            run.line_ids.filtered(lambda line: line.state == "push_failed").sudo().state = "created"
            run.sudo().state = "pushing"
        self._xero_continue_now()
        return True

    def action_open_invoices(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("account.action_move_out_invoice_type")
        action["domain"] = [("id", "in", self.line_ids.move_id.ids)]
        action["context"] = {"create": False}
        return action

    def _xero_continue_now(self):
        """A chunk in this request (a small run ends here), the rest by the job."""
        for run in self:
            run._xero_work(chunks=1)
        if self.filtered(lambda run: run.state in ("creating", "pushing")):
            self.env.ref(CRON).sudo()._trigger()

    # -- which clients, and how much --------------------------------------------------------------------
    def _xero_wizard(self, partner=None):
        """Invoice time for this run's period (and ``partner``), not saved: its rates, grouping and domain."""
        vals = {"company_id": self.company_id.id, "date_from": self.date_from, "date_to": self.date_to}
        if partner:
            vals["partner_id"] = partner.id
        return self.env["xero.invoice.wizard"].with_company(self.company_id).new(vals)

    def _xero_clients(self):
        """The commercial partners this run bills: its clients, its contact group's, or every Xero client with
        time to invoice in the period."""
        Partner = self.env["res.partner"]
        if self.partner_ids:
            return self.partner_ids.commercial_partner_id
        Timesheet = self.env["account.analytic.line"].sudo()
        groups = Timesheet._read_group(self._xero_wizard()._timesheet_domain(), ["partner_id"])
        clients = Partner.browse([partner.id for (partner,) in groups]).commercial_partner_id
        clients = clients.filtered(lambda p: p.xero_contact_id)
        if self.contact_group_id:
            clients = clients.filtered(lambda p: p.xero_contact_id in self._xero_group_members())
        return clients

    def _xero_group_members(self):
        connection = self.env["xero.connection"]._xero_for_company(self.company_id)
        if not connection or connection.state != "connected":
            raise UserError(_("%s is not connected to Xero (Settings → Xero).", self.company_id.name))
        group = self.contact_group_id.sudo()
        if group.tenant_id != connection.tenant_id:
            raise UserError(_("%s is not a contact group of this company's Xero organisation.", group.name))
        try:
            with self.env["xero.service"]._xero_calls(connection) as client:
                return client.contact_group_members([group.xero_group_id])
        except XeroError as error:
            raise UserError(_("The contact group could not be read from Xero: %s", error)) from error

    def _xero_preview(self):
        """One line per client with time: hours, amount and invoice lines as Invoice time would make them."""
        self.ensure_one()
        clients = self._xero_clients()
        Timesheet = self.env["account.analytic.line"].sudo()
        domain = self._xero_wizard()._timesheet_domain() & Domain("partner_id", "child_of", clients.ids)
        by_client = Timesheet.search(domain, order="date, id").grouped(lambda t: t.partner_id.commercial_partner_id)
        lines = []
        for client in clients.sorted("name"):
            timesheets = by_client.get(client)
            if not timesheets:
                continue
            wizard = self._xero_wizard(client)
            groups = wizard._xero_groups(timesheets)
            lines.append(
                {
                    "partner_id": client.id,
                    "hours": sum(group["hours"] for group in groups),
                    "amount": sum(group["amount"] for group in groups),
                    "currency_id": wizard.currency_id.id,
                    "invoice_line_count": len(groups),
                    "timesheet_count": len(timesheets),
                }
            )
        self.sudo().write({"line_ids": [(5, 0, 0)] + [(0, 0, vals) for vals in lines], "message": False})

    # -- the job ------------------------------------------------------------------------------------------
    @api.model
    def _cron_xero_billing_runs(self):
        """The scheduler: the companies' scheduled runs that are due, then every run in progress, a chunk at a
        time until Odoo's worker limits come near (the next pass continues)."""
        self._xero_schedule_due()
        Cron = self.env["ir.cron"]
        for run in self.sudo().search([("state", "in", ("creating", "pushing"))], order="id"):
            if Cron._xero_out_of_time():
                Cron._xero_continue_later()
                return
            run._xero_work()

    def _xero_lock_key(self):
        return (0x58425231 << 16) + self.id  # "XBR1" namespace + run id

    def _xero_work(self, chunks=None):
        """Advance this run a chunk at a time (``chunks`` at most), committing each in the scheduler; a run
        another worker is advancing is left to it."""
        self.ensure_one()
        in_cron = self.env["ir.cron"]._xero_in_job()
        Cron = self.env["ir.cron"]
        with advisory_lock(self.env, self._xero_lock_key(), across_commits=in_cron) as locked:
            if not locked:
                return
            run = self.sudo().with_company(self.company_id)
            run.invalidate_recordset()
            done = 0
            while run.state in ("creating", "pushing") and (chunks is None or done < chunks):
                processed = run._xero_step(self._xero_chunk_size(chunks))
                done += 1
                if in_cron:
                    Cron._commit_progress(processed, remaining=1)
                    if Cron._xero_out_of_time():
                        Cron._xero_continue_later()
                        return
                elif chunks is None and Cron._xero_out_of_time():
                    return

    def _xero_chunk_size(self, chunks):
        """Clients invoiced at once: the job's large chunk while its pass has time for one, else the button's."""
        if chunks is None and self.env["ir.cron"]._xero_time_left() >= const.BILLING_RUN_JOB_CHUNK_SECONDS:
            return const.BILLING_RUN_JOB_CHUNK
        return const.BILLING_RUN_CHUNK

    def _xero_step(self, size=None):
        """One chunk: invoices for the next ``size`` clients, or the next batch of invoices pushed; the run moves on
        when none is left. Returns the clients it processed."""
        if self.state == "creating":
            lines = self._xero_pending("todo", size or const.BILLING_RUN_CHUNK)
            lines._xero_create_invoice()
            if not self._xero_pending("todo", 1):
                self.state = "pushing" if self.push_when_created else "created"
            return len(lines)
        lines = self._xero_pending("created", const.INVOICES_BATCH_SIZE)
        lines._xero_push()
        if not self._xero_pending("created", 1):
            self.state = "done"
        return len(lines)

    def _xero_pending(self, state, limit):
        return self.env["xero.billing.run.line"].search(
            [("run_id", "=", self.id), ("state", "=", state)], order="id", limit=limit
        )

    # -- the schedule ------------------------------------------------------------------------------------
    @api.model
    def _xero_previous_period(self, schedule, today):
        """``(first, last)`` day of the week (Monday to Sunday) or month before ``today``'s."""
        if schedule == "weekly":
            monday = today - timedelta(days=today.weekday())
            return monday - timedelta(days=7), monday - timedelta(days=1)
        first = today.replace(day=1)
        return first - relativedelta(months=1), first - timedelta(days=1)

    @api.model
    def _xero_schedule_due(self, today=None):
        """A run for the previous period of each company that bills on a schedule, once; returns the new runs."""
        today = today or fields.Date.context_today(self)
        runs = self.browse()
        companies = self.env["res.company"].sudo().search([("xero_billing_schedule", "in", ("weekly", "monthly"))])
        for company in companies:
            first, last = self._xero_previous_period(company.xero_billing_schedule, today)
            Run = self.sudo().with_company(company)
            if Run.search_count([("company_id", "=", company.id), ("scheduled", "=", True), ("date_to", "=", last)]):
                continue
            run = Run.create(
                {
                    "company_id": company.id,
                    "date_from": first,
                    "date_to": last,
                    "scheduled": True,
                    "push_when_created": company.xero_billing_schedule_push,
                }
            )
            run._xero_preview()
            run.state = "creating" if run.line_ids else "done"
            runs |= run
        return runs
