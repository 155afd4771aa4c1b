from contextvars import ContextVar

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.fields import Domain
from odoo.tools import SQL

from .. import const
from ..import_speedups import check_company_batched, memoized_default_get, skip_recomputation
from ..ownership import integration_writes

# message_subscribe calls held back while the synchronization creates tasks (see create)
_deferred_subscriptions = ContextVar("xero_deferred_subscriptions", default=None)

# hr_timesheet's figures of a new task without timesheets, subtasks or allocated hours: all zero.
NEW_TASK_ZERO_HOURS = (
    "effective_hours",
    "subtask_effective_hours",
    "total_hours_spent",
    "remaining_hours",
    "progress",
    "overtime",
)

# Fields that define the imported structure: only the synchronization may change them.
XERO_STRUCTURE_FIELDS = {
    "name",
    "partner_id",
    "project_id",
    "parent_id",
    "xero_contact_id",
    "xero_connection_id",
    "active",
    "company_id",
    "xero_archived",
    "xero_out_of_scope",
    "xero_merged_into_id",
}

# Where a task's time is billed: hr_timesheet recomputes its lines' project and client from these.
XERO_TIME_PLACE_FIELDS = {"parent_id", "project_id", "partner_id"}


class ProjectTask(models.Model):
    _inherit = "project.task"

    xero_contact_id = fields.Char("Xero ContactID", copy=False, readonly=True)
    xero_connection_id = fields.Many2one(
        "xero.connection",
        "Xero connection",
        copy=False,
        readonly=True,
        index="btree_not_null",
        groups="xero_timesync.group_xero_admin",
    )
    xero_archived = fields.Boolean("Archived in Xero", readonly=True, copy=False)
    xero_out_of_scope = fields.Boolean(
        "Outside the contact scope", readonly=True, copy=False, help="Archived because Settings → Xero leaves it out."
    )
    xero_merged_into_id = fields.Many2one(
        "project.task",
        "Merged into",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="Xero merged this task's contact into that one's: its uninvoiced time and timers moved there.",
    )
    xero_contact_number = fields.Char(related="partner_id.xero_contact_number", string="Xero contact number")
    xero_client_email = fields.Char(related="partner_id.email", string="Client email")
    is_xero_task = fields.Boolean(compute="_compute_is_xero_task", search="_search_is_xero_task")
    xero_allowed_user_ids = fields.Many2many(
        "res.users",
        compute="_compute_xero_allowed_user_ids",
        search="_search_xero_allowed_user_ids",
        help="Task-restricted members of the Xero project allowed on this task or one of its ancestors.",
    )
    xero_hourly_rate = fields.Float(
        "Hourly rate",
        digits="Product Price",
        groups="account.group_account_invoice",
        help="Hourly rate when this task's time is invoiced (company currency); 0 = not set, see README for"
        " precedence. Subtasks use their parent's.",
    )
    xero_billable = fields.Boolean(
        "Billable work",
        compute="_compute_xero_billable",
        store=True,
        readonly=False,
        precompute=True,
        help="Time on a non-billable task is tracked and reported, never invoiced (each line can differ). A subtask"
        " starts as its parent.",
    )
    xero_timer_running = fields.Boolean("My timer runs here", compute="_compute_xero_timer_running")
    xero_client = fields.Char(
        "Client",
        compute="_compute_xero_client",
        search="_search_xero_client",
        help="Searches the client's name, email and Xero contact number.",
    )

    _xero_hourly_rate_positive = models.Constraint(
        "CHECK (xero_hourly_rate >= 0)", "An hourly rate cannot be negative (0 means not set)."
    )
    _xero_contact_uniq = models.UniqueIndex(
        "(xero_connection_id, xero_contact_id) WHERE xero_contact_id IS NOT NULL",
        "A Xero contact is imported as one task per connection.",
    )

    @api.depends("xero_contact_id")
    def _compute_is_xero_task(self):
        for task in self:
            task.is_xero_task = bool(task.xero_contact_id)

    def _search_is_xero_task(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            return NotImplemented
        positive = (operator == "=") == value
        return [("xero_contact_id", "!=" if positive else "=", False)]

    def _compute_xero_allowed_user_ids(self):
        members = (
            self.env["xero.project.member"]
            .sudo()
            .search(
                [("restrict_to_tasks", "=", True), ("project_id", "in", self.project_id.ids), ("active", "=", True)]
            )
        )
        for task in self:
            lineage = task._xero_lineage()
            task.xero_allowed_user_ids = members.filtered(lambda m, lineage=lineage: m.task_ids & lineage).user_id

    def _xero_lineage(self):
        task, lineage = self, self
        while task.parent_id and task.parent_id not in lineage:
            task = task.parent_id
            lineage |= task
        return lineage

    def _search_xero_allowed_user_ids(self, operator, value):
        if operator != "in":
            return NotImplemented
        # a subquery, not a search run beforehand: the record rules that use it cost no query of their own
        user_ids = tuple(value)
        if not user_ids:
            return Domain.FALSE
        field = self.env["xero.project.member"]._fields["task_ids"]

        def to_sql(model, alias, query):
            return SQL(
                """%s IN (
                    WITH RECURSIVE allowed(id) AS (
                        SELECT rel.%s FROM %s rel JOIN xero_project_member member ON member.id = rel.%s
                         WHERE member.restrict_to_tasks AND member.active AND member.user_id IN %s
                         UNION
                        SELECT child.id FROM project_task child JOIN allowed ON child.parent_id = allowed.id
                    ) SELECT id FROM allowed)""",
                SQL.identifier(alias, "id"),
                SQL.identifier(field.column2),
                SQL.identifier(field.relation),
                SQL.identifier(field.column1),
                user_ids,
            )

        return Domain.custom(to_sql=to_sql)

    def _check_xero_structure_change(self, vals):
        if not (XERO_STRUCTURE_FIELDS & vals.keys()) or integration_writes(self.env):
            return
        imported = self.filtered("xero_contact_id")
        if not imported:
            return
        changed = imported._xero_changed_fields(vals, XERO_STRUCTURE_FIELDS)
        if changed:
            labels = ", ".join(sorted(self._fields[name].string for name in changed))
            raise UserError(
                _(
                    "“%(task)s” is imported from Xero: its %(fields)s can only change in Xero (rename or archive the"
                    " contact there; the next synchronization brings it here). You can still log time, follow it,"
                    " add subtasks and write its description.",
                    task=imported[0].name,
                    fields=labels,
                )
            )

    def _xero_importing(self):
        """The contact import's batched writes: its context and the integration's own code (never the
        context alone, which any caller sets)."""
        return bool(self.env.context.get(const.CONTEXT_FROM_XERO)) and integration_writes(self.env)

    @api.model
    def default_get(self, fields):
        return memoized_default_get(self, fields, super().default_get)

    def _check_xero_subtask_client(self):
        """A subtask on a Xero project bills its parent's client: nobody but the integration changes that."""
        if integration_writes(self.env):
            return
        moved = self.sudo().filtered(
            lambda task: task.parent_id
            and task.project_id.is_xero_project
            and task.partner_id != task.parent_id.partner_id
        )
        if moved:
            raise UserError(
                _(
                    "“%(task)s” is under “%(parent)s”: its time is billed to %(client)s, its parent's client.",
                    task=moved[0].name,
                    parent=moved[0].parent_id.name,
                    client=moved[0].parent_id.partner_id.display_name,
                )
            )

    def _check_xero_invoiced_time_stays(self, vals):
        """Invoiced time is frozen whole, and hr_timesheet recomputes a line's client and project from its
        task's without writing the line: a task carrying invoiced time (its own or its subtasks') keeps its
        parent, project and client until the invoice is cancelled."""
        names = XERO_TIME_PLACE_FIELDS & vals.keys()
        if not names or integration_writes(self.env):
            return
        self.check_access("write")  # Odoo's check first: the refusal names the task
        moved = self.sudo().filtered(lambda task: task._xero_changed_fields(vals, names))
        if not moved:
            return
        invoiced = (
            self.env["account.analytic.line"]
            .sudo()
            .search([("task_id", "child_of", moved.ids), ("xero_billed_move_line_id", "!=", False)], limit=1)
        )
        if invoiced:
            task = moved.filtered_domain([("id", "parent_of", invoiced.task_id.ids)])[:1] or moved[:1]
            raise UserError(
                _(
                    "“%(task)s” carries invoiced time: it keeps its parent task, project and client until that"
                    " invoice is cancelled.",
                    task=task.display_name,
                )
            )

    def _check_xero_moved_task_visible(self):
        """Record rules are checked before a write, on the task as it was: a task moved (parent, project) must
        still be the user's to write, under a parent they see, or a restricted member takes their subtask (and
        its time) under a task they may not see. On a Xero project, seeing it by following it is not enough:
        the task must be open to them on the Xero access tab (a restricted member follows the subtask they
        created, and would otherwise take it out from under their allowed task and bill it to any client)."""
        if self.env.su:
            return
        self.check_access("write")
        self.parent_id.check_access("read")
        tasks = self.sudo().filtered(lambda task: task.project_id.is_xero_project)
        if not tasks:
            return
        user = self.env.user
        viewers = self.env["mail.followers"]._xero_task_viewers(tasks, {user.partner_id.id: user})
        outside = tasks.filtered(lambda task: user not in viewers[task.id])
        if outside:
            raise AccessError(
                _(
                    "“%(task)s” cannot go there: the Xero project's Xero access tab does not open that place to you.",
                    task=outside[0].name,
                )
            )

    @api.depends("parent_id")
    def _compute_xero_billable(self):
        for task in self:
            task.xero_billable = task._xero_default_billable()

    def _xero_default_billable(self):
        return self.parent_id.xero_billable if self.parent_id else True

    def _xero_billable_decided(self, vals):
        """The tasks whose Billable ``vals`` decides: changed, and not to the default of the parent it moves them
        under (a form sends what that default computed)."""
        billable = bool(vals["xero_billable"])
        tasks = self.filtered(lambda task: task.xero_billable != billable)
        if "parent_id" in vals:
            parent = self.sudo().browse(vals["parent_id"])
            if billable == (parent.xero_billable if parent else True):
                tasks = tasks.filtered(lambda task: task.parent_id == parent)
        return tasks

    def _check_xero_billable(self):
        """Whether a task's time is billed is decided by its Xero project's managers and Timesheets
        administrators (the integration too)."""
        if integration_writes(self.env):
            return
        tasks = self.sudo()
        decided = tasks.project_id.with_env(self.env)._xero_billing_decided_by_user()  # the user's decision
        refused = tasks.filtered(lambda task: task.project_id not in decided)
        if refused:
            raise AccessError(
                _(
                    "Only the managers of the Xero project and Timesheets administrators decide whether the time on"
                    " “%(task)s” is billed.",
                    task=refused[0].display_name,
                )
            )

    def write(self, vals):
        self._check_xero_structure_change(vals)
        if "xero_billable" in vals:
            self._xero_billable_decided(vals)._check_xero_billable()
        self._check_xero_invoiced_time_stays(vals)
        result = super().write(vals)
        if vals.keys() & {"partner_id", "parent_id", "project_id"}:
            self._check_xero_subtask_client()
        if vals.keys() & {"parent_id", "project_id"}:
            self._check_xero_moved_task_visible()
        return result

    @api.model_create_multi
    def create(self, vals_list):
        if not self._xero_importing():
            tasks = super().create(vals_list)
            tasks._check_xero_subtask_client()  # whatever set it: the values, a default_partner_id, an ir.default
            tasks.filtered(lambda task: task.xero_billable != task._xero_default_billable())._check_xero_billable()
            return tasks
        # Batched import. project.task.create subscribes the creator to each task one by one (three
        # queries per task; an import's creator follows none) and hr_timesheet's default of encode_uom_in_days reads uom.product_uom_day
        # for each task: the same followers and the same value, a batch at a time.
        batch = self.with_context(default_encode_uom_in_days=self._uom_in_days())
        # their hour figures are zero: written as such, not computed again per task at the page's end
        plain = [not vals.keys() & {"parent_id", "child_ids", "timesheet_ids", "allocated_hours"} for vals in vals_list]
        zeros = dict.fromkeys(name for name in NEW_TASK_ZERO_HOURS if name in self._fields)
        vals_list = [
            {**vals, **dict.fromkeys(zeros, 0.0)} if ok else vals for vals, ok in zip(vals_list, plain, strict=True)
        ]
        deferred = []
        token = _deferred_subscriptions.set(deferred)
        try:
            tasks = super(ProjectTask, batch).create(vals_list).with_env(self.env)
        finally:
            _deferred_subscriptions.reset(token)
        skip_recomputation(tasks.browse(task.id for task, ok in zip(tasks, plain, strict=True) if ok), zeros)
        batches = {}
        creator = (self.env.user.partner_id.id,)
        for records, partner_ids, subtype_ids in deferred:
            if partner_ids == creator and subtype_ids is None:
                continue  # whoever pressed Save (or OdooBot) would follow, and be notified of, every client
            first, ids = batches.setdefault((partner_ids, subtype_ids), (records, []))
            ids.extend(records.ids)
        for (partner_ids, subtype_ids), (first, ids) in batches.items():
            first.browse(ids).message_subscribe(list(partner_ids), subtype_ids and list(subtype_ids))
        return tasks

    def message_subscribe(self, partner_ids=None, subtype_ids=None):
        deferred = _deferred_subscriptions.get()
        if deferred is None:
            self.env["mail.followers"]._xero_check_subscribe(self, partner_ids)  # who may follow: see there
            return super().message_subscribe(partner_ids, subtype_ids)
        deferred.append((self, tuple(partner_ids or ()), None if subtype_ids is None else tuple(subtype_ids)))
        return True

    def _message_auto_subscribe(self, updated_values, followers_existing_policy="skip"):
        """Mail copies every follower of the project onto each new task, even those following without
        subtypes, which is how members follow a Xero project (visibility without notifications): 500
        members and 10,000 imported tasks would make 5,000,000 follower rows. On Xero projects, only
        followers who asked for notifications (subtypes) are copied; members see the tasks through the
        project anyway."""
        project = self.env["project.project"].sudo().browse(updated_values.get("project_id"))
        if not project.is_xero_project:
            return super()._message_auto_subscribe(updated_values, followers_existing_policy)
        values = {key: value for key, value in updated_values.items() if key != "project_id"}
        result = super()._message_auto_subscribe(values, followers_existing_policy)
        notified = project.message_follower_ids.filtered("subtype_ids").partner_id
        if notified:
            # only who may follow the task (a row an earlier version let onto the project is left off, not
            # refused: refusing would stop every new task of the project)
            forbidden = self.env["mail.followers"]._xero_forbidden_followers(
                {(self._name, task.id, partner_id) for task in self for partner_id in notified.ids}
            )
            for task in self:
                partner_ids = [pid for pid in notified.ids if (self._name, task.id, pid) not in forbidden]
                if partner_ids:
                    # project.task.message_subscribe maps the project subtypes onto task subtypes
                    task.message_subscribe(partner_ids)
        return result

    @api.constrains("user_ids", "project_id", "parent_id")
    def _check_xero_assignees(self):
        """Odoo shows a task to its assignees: on a Xero project, only users who see it anyway (its members,
        restricted ones on their tasks, project administrators) can be assigned, or assigning would lift
        a restriction only an administrator may lift."""
        tasks = self.filtered(lambda task: task.user_ids.filtered("active") and task.sudo().project_id.is_xero_project)
        if not tasks:
            return
        users = tasks.user_ids.filtered("active")
        viewers = self.env["mail.followers"]._xero_task_viewers(
            tasks.sudo(), {user.partner_id.id: user for user in users}
        )
        for task in tasks:
            outside = task.user_ids.filtered("active") - viewers[task.id]
            if outside:
                raise ValidationError(
                    _(
                        "%(user)s cannot be assigned to “%(task)s”: the task is not open to them on the Xero project's"
                        " Xero access tab. A Settings administrator can give them access there.",
                        user=outside[0].name,
                        task=task.display_name,
                    )
                )

    def _check_company(self, fnames=None):
        if len(self) > 1 and self._xero_importing():
            return check_company_batched(self, fnames, super()._check_company)
        return super()._check_company(fnames)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_xero_task(self):
        if integration_writes(self.env):
            return
        imported = self.filtered("xero_contact_id")
        if imported:
            raise UserError(
                _(
                    "“%s” is imported from Xero and cannot be deleted; archive the contact in Xero instead.",
                    imported[0].name,
                )
            )

    # -- timer (see xero.timer) ----------------------------------------------------------------------

    @api.depends_context("uid")
    def _compute_xero_timer_running(self):
        running = self.env["xero.timer"].sudo().search([("user_id", "=", self.env.uid)], limit=1).task_id
        for task in self:
            task.xero_timer_running = task == running

    @api.depends("partner_id")
    def _compute_xero_client(self):
        for task in self:
            task.xero_client = task.partner_id.display_name

    def _search_xero_client(self, operator, value):
        if operator not in ("ilike", "=ilike", "like", "=like", "="):
            return NotImplemented
        fields_domain = Domain.OR(Domain(name, operator, value) for name in ("name", "email", "xero_contact_number"))
        # archived clients too: whether archived tasks show is the task search's own active_test
        partners = self.env["res.partner"].with_context(active_test=False)._search(fields_domain)
        return Domain("partner_id", "in", partners)

    @api.model
    def _xero_timer_picker_domain(self):
        """Xero tasks where time can be logged; record rules narrow it to the user's tasks."""
        return Domain("is_xero_task", "=", True) & Domain("allow_timesheets", "=", True)

    def _xero_timer_company(self):
        """The company whose timer settings and employee apply (as hr_timesheet picks the line's company)."""
        self.ensure_one()
        task = self.sudo()
        return task.company_id or task.project_id.company_id or self.env.company

    def action_xero_timer_start(self):
        self.ensure_one()
        Timer = self.env["xero.timer"]
        return Timer._xero_client_action(Timer.xero_start(self.id))

    def action_xero_timer_stop(self):
        Timer = self.env["xero.timer"]
        return Timer._xero_client_action(Timer.xero_stop())
