"""Tracking categories on pushed time (issue 15, part 5; README "Tracking categories").

The admin chooses which Odoo dimension of the time (employee, department or project) maps to which of
the organisation's Xero tracking categories (Settings → Xero → Tracking), and which option each Odoo
value maps to (one ``xero.tracking.mapping`` row per value). On push, every invoice line built from
time carries ``Tracking: [{Name, Option}]``; a value without an option, an option or a category no
longer active in Xero (read live, once per push), and a line whose time maps to several options are
refused before anything is sent, with the fix in the message.
"""

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..services.errors import XeroError

DIMENSIONS = [("employee", "Employee"), ("department", "Department"), ("project", "Project")]
# dimension → (field of the mapping and of the timesheet, model of the Odoo value)
DIMENSION_FIELDS = {
    "employee": ("employee_id", "hr.employee"),
    "department": ("department_id", "hr.department"),
    "project": ("project_id", "project.project"),
}


class XeroTrackingMapping(models.Model):
    _name = "xero.tracking.mapping"
    _xero_owned_records = False  # the Settings administrator's mapping, not what Xero said
    _description = "Xero tracking option of an employee, department or project"
    _order = "dimension, name, id"

    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, readonly=True, index=True
    )
    dimension = fields.Selection(DIMENSIONS, required=True, readonly=True)
    employee_id = fields.Many2one("hr.employee", ondelete="cascade", index="btree_not_null")
    department_id = fields.Many2one("hr.department", ondelete="cascade", index="btree_not_null")
    project_id = fields.Many2one("project.project", ondelete="cascade", index="btree_not_null")
    name = fields.Char("Odoo value", compute="_compute_name", store=True)
    category_id = fields.Many2one(related="company_id.xero_tracking_category_id", string="Xero tracking category")
    option_id = fields.Many2one(
        "xero.tracking.option",
        "Xero option",
        ondelete="set null",
        domain="[('category_id', '=', category_id)]",
        help="The option of the Xero tracking category written on invoice lines of this value's time.",
    )

    _employee_uniq = models.UniqueIndex(
        "(company_id, employee_id) WHERE employee_id IS NOT NULL", "This employee already has a Xero tracking option."
    )
    _department_uniq = models.UniqueIndex(
        "(company_id, department_id) WHERE department_id IS NOT NULL",
        "This department already has a Xero tracking option.",
    )
    _project_uniq = models.UniqueIndex(
        "(company_id, project_id) WHERE project_id IS NOT NULL", "This project already has a Xero tracking option."
    )

    @api.depends("employee_id.name", "department_id.name", "project_id.name", "dimension")
    def _compute_name(self):
        for mapping in self:
            mapping.name = mapping._xero_value().display_name if mapping.dimension else False

    @api.constrains("dimension", "employee_id", "department_id", "project_id")
    def _check_value(self):
        for mapping in self:
            values = [mapping[name] for name, _model in DIMENSION_FIELDS.values()]
            if not mapping._xero_value() or sum(bool(v) for v in values) != 1:
                raise ValidationError(
                    _("A tracking mapping names exactly one %(dimension)s.", dimension=mapping._xero_dimension_label())
                )

    def _xero_value(self):
        self.ensure_one()
        return self[DIMENSION_FIELDS[self.dimension][0]]

    def _xero_dimension_label(self, dimension=None):
        dimension = dimension or self.dimension
        return dict(self._fields["dimension"]._description_selection(self.env)).get(dimension, dimension)

    # -- Settings → Xero → Tracking ----------------------------------------------------------------
    @api.model
    def _xero_refresh_categories(self, connection, client=None):
        """Read the organisation's tracking categories live and mirror them; returns the live ones."""
        try:
            with self.env["xero.service"]._xero_calls(connection, client) as client:
                live = client.tracking_categories()
        except XeroError as error:
            raise UserError(_("Xero did not list its tracking categories: %s", error)) from None
        self.env["xero.tracking.category"].sudo()._refresh(connection.tenant_id, live)
        return live

    @api.model
    def _xero_match_by_name(self, company):
        """One row per active value of the company's dimension; an empty option is pre-filled with the
        category's active option of the same name (case-insensitive). Chosen options are kept."""
        dimension, category = company.xero_tracking_dimension, company.xero_tracking_category_id
        if not dimension or dimension == "none" or not category:
            raise UserError(
                _("Choose what to track and the Xero tracking category first (Settings → Xero → Tracking).")
            )
        field_name, model = DIMENSION_FIELDS[dimension]
        Value = self.env[model]
        values = Value.search([("company_id", "in", [company.id, False])] if "company_id" in Value._fields else [])
        existing = self.search([("company_id", "=", company.id), ("dimension", "=", dimension)])
        by_value = {mapping[field_name]: mapping for mapping in existing}
        options = {option.name.casefold(): option for option in category.option_ids}
        new = []
        for value in values:
            option = options.get((value.name or "").casefold(), self.env["xero.tracking.option"])
            mapping = by_value.get(value)
            if mapping is None:
                new.append(
                    {"company_id": company.id, "dimension": dimension, field_name: value.id, "option_id": option.id}
                )
            elif option and mapping.option_id.category_id != category:
                mapping.option_id = option
        return existing | self.create(new)

    def action_xero_match_by_name(self):
        """List button: load the categories from Xero again and pre-fill the options named like the values."""
        company = self.env.company
        connection = self.env["xero.connection"]._xero_for_company(company)
        connection.with_env(self.env)._check_xero_admin()  # the caller's rights, not the lookup's superuser
        if not connection or connection.state != "connected":
            raise UserError(_("Enable the Xero integration first."))
        self._xero_refresh_categories(connection)
        self._xero_match_by_name(company)
        return {"type": "ir.actions.client", "tag": "soft_reload"}

    # -- push ---------------------------------------------------------------------------------------
    @api.model
    def _xero_push_plan(self, connection, client):
        """What a push writes on time lines: a :class:`TrackingPlan`, or None when tracking is off."""
        company = connection.company_id
        if not company.xero_tracking_dimension or company.xero_tracking_dimension == "none":
            return None
        return TrackingPlan(self.sudo(), connection, client)


class TrackingPlan:
    """The Tracking of one push's invoice lines; reads the live categories once, and only when needed."""

    def __init__(self, mappings, connection, client):
        self.env = mappings.env
        self.mappings = mappings
        self.connection = connection
        self.client = client
        self.company = connection.company_id.sudo()
        self.dimension = self.company.xero_tracking_dimension
        self.category = self.company.xero_tracking_category_id
        self._live = None

    def _live_options(self):
        """``(category name, {TrackingOptionID: Name})`` as Xero has it now, or None when it is not active."""
        if self._live is None:
            live = self.mappings._xero_refresh_categories(self.connection, self.client)
            found = next((c for c in live if c.category_id == self.category.xero_category_id), None)
            self._live = (found.name, dict(found.options)) if found else False
        return self._live or None

    def for_move(self, move):
        """``({invoice line id: [{"Name", "Option"}]}, None)`` or ``(None, error)`` for one invoice."""
        lines = move.invoice_line_ids.sudo().filtered("xero_timesheet_ids")
        if not lines:
            return {}, None
        label = self.mappings._xero_dimension_label(self.dimension)
        if not self.category:
            return None, self.env._(
                "Tracking by %(dimension)s is on but no Xero tracking category is chosen. Choose one in Settings →"
                " Xero → Tracking (or track nothing), then push again.",
                dimension=label.lower(),
            )
        live = self._live_options()
        if live is None:
            return None, self.env._(
                "The Xero tracking category “%(category)s” is archived or deleted in Xero. Choose another in"
                " Settings → Xero → Tracking (or track nothing), then push again.",
                category=self.category.name,
            )
        category_name, live_options = live
        field_name = DIMENSION_FIELDS[self.dimension][0]
        values = lines.xero_timesheet_ids[field_name]
        mappings = self.mappings.search(
            [("company_id", "=", self.company.id), ("dimension", "=", self.dimension), (field_name, "in", values.ids)]
        )
        option_of = {mapping[field_name]: mapping.option_id for mapping in mappings}
        result = {}
        for line in lines:
            options = {}
            for timesheet in line.xero_timesheet_ids:
                value = timesheet[field_name]
                if not value:
                    return None, self.env._(
                        "Line “%(line)s” has time without a %(dimension)s, so it has no Xero tracking option. Set it"
                        " on the timesheets, or track something else in Settings → Xero → Tracking.",
                        line=line.name,
                        dimension=label.lower(),
                    )
                option = option_of.get(value)
                if not option or option.category_id != self.category:
                    return None, self.env._(
                        "%(value)s has no option of the Xero tracking category “%(category)s”. Map it in Settings →"
                        " Xero → Tracking (Match by name fills in options named like it), then push again.",
                        value=value.display_name,
                        category=category_name,
                    )
                if option.xero_option_id not in live_options:
                    return None, self.env._(
                        "The option “%(option)s” of the Xero tracking category “%(category)s”, mapped to %(value)s,"
                        " is archived in Xero. Map %(value)s to another option in Settings → Xero → Tracking, or"
                        " restore it in Xero, then push again.",
                        option=option.name,
                        category=category_name,
                        value=value.display_name,
                    )
                options.setdefault(option, value)
            if len(options) > 1:
                return None, self.env._(
                    "Line “%(line)s” has time of %(values)s, which map to different Xero tracking options; Xero takes"
                    " one option per line. Cancel the invoice and invoice the time again %(fix)s.",
                    line=line.name,
                    values=", ".join(v.display_name for v in options.values()),
                    fix=self.env._("per task") if self.dimension == "project" else self.env._("per employee"),
                )
            [option] = options
            result[line.id] = [{"Name": category_name, "Option": live_options[option.xero_option_id]}]
        return result, None
