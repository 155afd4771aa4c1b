"""The timer's timesheet line, written in a few statements when Odoo's ``create`` would write exactly that line.

``account.analytic.line.create`` as a user costs about 21 queries (analytic plans, project, employee, cost,
currency, the create rules evaluated in Python, the task's hours). Stopping a timer records one line whose
every value follows from its task and user, so :meth:`_xero_timer_create` gathers what hr_timesheet's
``create`` reads in one SELECT, inserts the line through the ORM's own ``_create`` (cache, the task's hours
recomputed through ``modified``, the constraints) and checks the line's create rules in SQL.

It does so only when nothing but the modules it reproduces takes part in creating a line (the classes that
define the methods below, the stored fields, the defaults), and only in the plain case (one company, one
currency, no mandatory analytic plan, no default from the context); anything else takes Odoo's ``create``,
unchanged. The tests prove both give the same stored line and task.
"""

from odoo import SUPERUSER_ID, api, models, tools
from odoo.fields import Domain
from odoo.tools import SQL, float_round

# The modules whose share of creating a timesheet line this path reproduces (and the ORM's own, module None).
FAST_PATH_MODULES = frozenset(
    {
        None,
        "base",
        "mail",
        "bus",
        "analytic",
        "account",
        "hr",
        "hr_hourly_cost",
        "hr_timesheet",
        "project",
        "xero_timesync",
    }
)
# What Odoo calls when it creates a line (an override elsewhere may change the line: then Odoo's create).
FAST_PATH_METHODS = (
    "create",
    "_create",
    "write",  # hr_timesheet writes the amount after creating
    "_prepare_create_values",
    "_add_missing_default_values",
    "_add_precomputed_values",
    "default_get",
    "check_access",
    "_check_access",
    "_check_company",
    "_validate_fields",
    "modified",
    "_timesheet_preprocess_get_accounts",
    "_timesheet_postprocess",
    "_timesheet_postprocess_values",
    "_hourly_cost",
    "_check_can_create",
    "_default_user",
    "_get_mandatory_plans",
    "_compute_partner_id",
    "_compute_department_id",
    "_compute_xero_billable",
    "_xero_default_billable",
    "_compute_general_account_id",
)
# Context keys hr_timesheet's create reads (with them, Odoo's create decides)
TIMESHEET_CONTEXT = ("default_employee_id", "timesheet_calendar", "user_id", "version_id")


def only_known_modules(model_class, model_fields, plan_columns):
    """True when every class of ``model_class`` that defines a method of FAST_PATH_METHODS or the compute of a
    stored field, and every stored field (the analytic plans' own columns aside), comes from FAST_PATH_MODULES."""
    methods = {
        *FAST_PATH_METHODS,
        *(f.compute for f in model_fields.values() if f.store and isinstance(f.compute, str)),
    }
    for cls in model_class.__mro__:
        if not methods.isdisjoint(vars(cls)) and getattr(cls, "_module", None) not in FAST_PATH_MODULES:
            return False
    return all(
        set(field._modules) <= FAST_PATH_MODULES
        for name, field in model_fields.items()
        if field.store and name not in plan_columns
    )


class AccountAnalyticLine(models.Model):
    _inherit = "account.analytic.line"

    @api.model
    @tools.ormcache()
    def _xero_timer_fast_path_known(self):
        """Whether only FAST_PATH_MODULES take part in creating a line in this registry (computed once per
        registry, from the model's classes, never from the context)."""
        return only_known_modules(type(self), self._fields, set(self._get_plan_fnames()))

    @api.model
    def _xero_timer_fast_path_usable(self):
        return self._xero_timer_fast_path_known() and not any(key in self.env.context for key in TIMESHEET_CONTEXT)

    def _search_message_partner_ids(self, operator, value):
        """hr_timesheet's, as subqueries rather than a query run beforehand (the line's record rules use it)."""
        if operator != "in":
            return super()._search_message_partner_ids(operator, value)
        Followers = self.env["mail.followers"]

        def followed(model):
            return Followers._search([("partner_id", "in", value), ("res_model", "=", model)]).subselect("res_id")

        return Domain("project_id", "in", followed("project.project")) | Domain(
            "task_id", "in", followed("project.task")
        )

    @api.model
    @tools.ormcache()
    def _xero_timer_plan_columns(self):
        """The line's analytic plan columns that its project has (cleared with ``_get_all_plans``'s cache)."""
        return tuple(name for name in self._get_plan_fnames() if name in self.env["project.project"]._fields)

    @api.model
    def _xero_timer_facts(self, task):
        """One SELECT: what hr_timesheet's create reads for a line on ``task`` by the current user (the line's
        company and its timer settings, project accounts, employees, cost, currencies, the user's partner).
        The company's, the currency's and the user's values go to the cache, where the timer reads them."""
        plan_columns = self._xero_timer_plan_columns()
        self.env.flush_all()  # the SQL below reads what the cache may hold unwritten (and then replaces it)
        self.env.cr.execute(
            SQL(
                """
                SELECT company.id, company.name, company.currency_id, company.project_time_mode_id,
                       company.xero_timer_max_hours, company.xero_timer_idle_minutes, company.xero_timer_minimum,
                       company.xero_timer_rounding, company.xero_timer_rounding_method,
                       company.xero_timesheet_lock_date, currency.rounding, currency.decimal_places,
                       project.id, project.partner_id, project.is_xero_project, task.partner_id, task.parent_id, task.xero_billable,
                       account.active, account.company_id, account_company.currency_id, users.partner_id,
                       line_partner.company_id,
                       (SELECT json_agg(json_build_array(employee.company_id, employee.id, employee.hourly_cost,
                                                         employee_company.currency_id, version.department_id,
                                                         employee.parent_id)
                                        ORDER BY employee.name, employee.id)
                          FROM hr_employee employee
                          JOIN res_company employee_company ON employee_company.id = employee.company_id
                     LEFT JOIN hr_version version ON version.id = employee.current_version_id
                         WHERE employee.user_id = %(uid)s AND employee.active
                           AND employee.company_id IN %(companies)s),
                       EXISTS (SELECT 1 FROM account_analytic_applicability WHERE applicability = 'mandatory')
                       OR EXISTS (SELECT 1 FROM account_analytic_plan
                                   WHERE default_applicability::text LIKE '%%mandatory%%'),
                       %(plans)s
                  FROM project_task task
                  JOIN project_project project ON project.id = task.project_id
                  JOIN res_company company ON company.id = COALESCE(task.company_id, project.company_id)
                  JOIN res_currency currency ON currency.id = company.currency_id
                  JOIN res_users users ON users.id = %(uid)s
             LEFT JOIN account_analytic_account account ON account.id = project.account_id
             LEFT JOIN res_company account_company ON account_company.id = account.company_id
             LEFT JOIN res_partner line_partner ON line_partner.id = COALESCE(task.partner_id, project.partner_id)
                 WHERE task.id = %(task)s
                """,
                uid=self.env.uid,
                companies=tuple(self.env.companies.ids),
                task=task.id,
                plans=SQL("json_build_array(%s)", SQL(", ").join(SQL.identifier("project", n) for n in plan_columns)),
            )
        )
        row = self.env.cr.fetchone()
        if not row:
            return None
        (company_id, company_name, currency_id, uom_id, max_hours, idle_minutes, minimum, rounding, method, lock,
         currency_rounding, decimal_places, project_id, project_partner, xero_project, task_partner, parent_id, billable,
         account_active, account_company, account_currency, partner_id, partner_company, employees, mandatory, plans) = row  # fmt: skip
        company = self.env["res.company"].browse(company_id)
        company._update_cache(
            {
                "name": company_name,
                "currency_id": currency_id,
                "xero_timer_max_hours": max_hours,
                "xero_timer_idle_minutes": idle_minutes,
                "xero_timer_minimum": minimum,
                "xero_timer_rounding": rounding,
                "xero_timer_rounding_method": method,
                "xero_timesheet_lock_date": lock,
            },
            validate=False,
        )
        self.env["res.currency"].browse(currency_id)._update_cache(
            {"rounding": currency_rounding, "decimal_places": decimal_places}, validate=False
        )
        self.env.user._update_cache({"partner_id": partner_id}, validate=False)
        self.env["project.project"].browse(project_id)._update_cache({"is_xero_project": xero_project}, validate=False)
        return {
            "company": company,
            "currency_id": currency_id,
            "uom_id": uom_id,
            "project_id": project_id,
            "partner_id": task_partner or project_partner,
            "parent_task_id": parent_id,
            "billable": billable,
            # the line's companies agree as ``_check_company`` requires (its account's and partner's: the others
            # are empty), and hr_timesheet (an active account)
            "companies_ok": account_active is True
            and account_company in (None, company_id)
            and partner_company in (None, company_id),
            "account_currency_id": account_currency,
            "employees": employees or [],
            "mandatory_plans": mandatory,
            "plans": dict(zip(plan_columns, plans, strict=True)),
        }

    @api.model
    def _xero_timer_employee(self, facts):
        """hr_timesheet's choice of the user's employee for a line of ``facts``'s company (the user's employees
        in the allowed companies, by name: the only one, or the one in the line's company)."""
        per_company = {}
        for employee in facts["employees"]:
            per_company[employee[0]] = employee
        if len(per_company) == 1:
            return next(iter(per_company.values()))
        return per_company.get(facts["company"].id)

    @api.model
    def _xero_timer_create(self, vals, facts):
        """The timer's line (``vals``: task, project, user, date, hours, description) as Odoo's create would
        make it as the current user: in a few statements with ``facts`` (see :meth:`_xero_timer_facts`) when
        they describe the plain case, else through ``create``."""
        line = self._xero_timer_fast_create(vals, facts) if facts else None
        return line if line is not None else self.create(vals)

    def _xero_timer_fast_values(self, vals, facts):
        """Every stored value of the line, or None when hr_timesheet's create would decide something else (an
        error, a conversion, a mandatory plan, a default)."""
        company = facts["company"]
        employee = self._xero_timer_employee(facts)
        if (
            not employee
            or facts["mandatory_plans"]
            or not facts["companies_ok"]
            or facts["project_id"] != vals["project_id"]
        ):
            return None
        employee_company, employee_id, cost, employee_currency, department_id, manager_id = employee
        to_currency = facts["account_currency_id"] or facts["currency_id"]
        if employee_currency != to_currency or to_currency != facts["currency_id"]:
            return None  # a conversion at a rate: Odoo's create
        values = {
            **vals,
            "company_id": company.id,
            **{name: value or False for name, value in facts["plans"].items()},
            "product_uom_id": facts["uom_id"],
            "employee_id": employee_id,
        }
        if not values["name"] or not values.get("account_id") or employee_company != company.id:
            return None
        defaults = self._add_missing_default_values(dict(values))
        if any(self._fields[name].compute for name in defaults.keys() - values.keys()):
            return None  # a computed field given a default (context, ir.default): Odoo's create
        values = defaults
        amount = -values["unit_amount"] * (cost or 0.0)
        values.update(
            {
                "amount": float_round(amount, precision_rounding=facts["company"].currency_id.rounding),
                "currency_id": facts["currency_id"],
                "partner_id": facts["partner_id"] or False,
                "xero_billable": facts["billable"],
                "parent_task_id": facts["parent_task_id"] or False,
                "department_id": department_id or False,
                "manager_id": manager_id or False,
                "general_account_id": False,
                "journal_id": False,
                "xero_billed_move_id": False,
            }
        )
        return values

    def _xero_timer_fast_create(self, vals, facts):
        values = self._xero_timer_fast_values(vals, facts)
        if values is None:
            return None
        self.check_access("create")  # the model's access rights (the rules: below, on the line)
        for name in vals:
            self._check_field_access(self._fields[name], "write")
        values = self._prepare_create_values([values])[0]
        if any(self._fields[name].inverse for name in values if not self._fields[name].store):
            return None
        values = {name: value for name, value in values.items() if self._fields[name].store}
        # what Odoo's recomputation writes after a create (the computed fields, as the superuser)
        values["write_uid"] = SUPERUSER_ID
        protected = {
            computed for name in values if (field := self._fields[name]).compute for computed in
            self.pool.field_computed.get(field, [field])
        }  # fmt: skip
        data = {"stored": values, "inherited": {}, "inversed": {}, "protected": protected}
        line = self.sudo()._create([data]).with_env(self.env)
        self._xero_check_create_rules(line)
        # this addon's own checks of a created line (create() in account_analytic_line.py; Billable is not given)
        line._check_xero_task_visible(after_write=False)
        line._check_xero_client()
        line._check_xero_lock_date()
        return line

    def _xero_check_create_rules(self, line):
        """The line's create rules, as SQL (one query; Odoo evaluates them in Python, 6 queries)."""
        domain = self.env["ir.rule"]._compute_domain(self._name, "create")
        if not domain:
            return
        query = self.sudo().with_context(active_test=False)._search(Domain("id", "=", line.id) & domain)
        if not self.env.execute_query(query.select()):
            raise self.env["ir.rule"]._make_access_error("create", line)
