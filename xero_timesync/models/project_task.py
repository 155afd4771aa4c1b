from odoo import _, api, fields, models
from odoo.exceptions import UserError

# Fields that define the imported structure: only the synchronization may change them.
XERO_STRUCTURE_FIELDS = {
    "name",
    "project_id",
    "parent_id",
    "xero_contact_id",
    "xero_connection_id",
    "active",
    "company_id",
}


class ProjectTask(models.Model):
    _inherit = "project.task"

    xero_contact_id = fields.Char("Xero ContactID", copy=False, readonly=True)
    xero_connection_id = fields.Many2one(
        "xero.connection",
        "Xero connection",
        copy=False,
        readonly=True,
        index="btree_not_null",
        groups="xero_timesync.group_xero_manager",
    )
    is_xero_task = fields.Boolean(compute="_compute_is_xero_task", search="_search_is_xero_task")
    xero_allowed_user_ids = fields.Many2many(
        "res.users",
        compute="_compute_xero_allowed_user_ids",
        search="_search_xero_allowed_user_ids",
        help="Task-restricted members of the Xero project allowed on this task or one of its ancestors.",
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
            .search([("restrict_to_tasks", "=", True), ("project_id", "in", self.project_id.ids)])
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
        members = (
            self.env["xero.project.member"]
            .sudo()
            .search([("restrict_to_tasks", "=", True), ("user_id", "in", list(value))])
        )
        if not members.task_ids:
            return [(0, "=", 1)]
        return [("id", "child_of", members.task_ids.ids)]

    def _check_xero_structure_change(self, vals):
        if self.env.context.get("xero_sync") or not (XERO_STRUCTURE_FIELDS & vals.keys()):
            return
        imported = self.filtered("xero_contact_id")
        if not imported:
            return
        changed = {
            name
            for name in XERO_STRUCTURE_FIELDS & vals.keys()
            for task in imported
            if task._fields[name].convert_to_write(task[name], task) != vals[name]
        }
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

    def write(self, vals):
        self._check_xero_structure_change(vals)
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_xero_task(self):
        if self.env.context.get("xero_sync"):
            return
        imported = self.filtered("xero_contact_id")
        if imported:
            raise UserError(
                _(
                    "“%s” is imported from Xero and cannot be deleted; archive the contact in Xero instead.",
                    imported[0].name,
                )
            )
