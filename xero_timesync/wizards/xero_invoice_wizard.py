"""Invoice time: timesheets of one Xero-linked client → one draft customer invoice."""

from collections import defaultdict

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.fields import Domain
from odoo.tools import float_round, format_amount

from ..const import INVOICE_GROUPINGS, INVOICE_ROUNDINGS
from ..models.account_analytic_line import rounded_hours
from ..ownership import owned_writes
from ..services.errors import XeroError
from ..totals import exact_line

XERO_QUANTITY_DIGITS = 4  # Xero keeps 4 decimals of a quantity (unitdp=4)

DEFAULT_GROUPING = "task"

# the descriptions of the time under a line's label: each cut to a line, all to what a reader takes in (Xero
# keeps 4,000 characters of a line's description)
DESCRIPTION_CHARS = 200
DESCRIPTIONS_CHARS = 1500


def _description(text):
    """A timesheet's description on one line, cut to ``DESCRIPTION_CHARS`` ("/" is Odoo's "none")."""
    text = " ".join((text or "").split())
    if text == "/":
        return ""
    return text if len(text) <= DESCRIPTION_CHARS else text[: DESCRIPTION_CHARS - 1].rstrip() + "…"


def _is_contact_of(partner, client):
    """``partner`` is ``client`` or one of its contacts (``child_of``, the parents walked up in memory)."""
    seen = set()
    while partner and partner.id not in seen:
        if partner == client:
            return True
        seen.add(partner.id)
        partner = partner.parent_id
    return False


class XeroInvoiceWizard(models.TransientModel):
    _name = "xero.invoice.wizard"
    _description = "Invoice time"

    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company)
    partner_id = fields.Many2one(
        "res.partner",
        "Client",
        domain="[('xero_contact_id', '!=', False), ('company_id', 'in', [company_id, False])]",
    )
    project_id = fields.Many2one("project.project")
    task_id = fields.Many2one("project.task")
    date_from = fields.Date("From")
    date_to = fields.Date("To", default=fields.Date.context_today)
    grouping = fields.Selection(
        INVOICE_GROUPINGS, compute="_compute_client_choices", store=True, readonly=False, required=True, precompute=True
    )
    show_descriptions = fields.Boolean(
        "Show the descriptions of the time",
        compute="_compute_client_choices",
        store=True,
        readonly=False,
        precompute=True,
        help="The timesheets' descriptions on the invoice lines, under each line's label.",
    )
    timesheet_ids = fields.Many2many(
        "account.analytic.line",
        string="Timesheets",
        compute="_compute_timesheet_ids",
        store=True,
        readonly=False,
    )
    currency_id = fields.Many2one("res.currency", compute="_compute_currency_id", store=True, readonly=False)
    tax_ids = fields.Many2many(
        "account.tax",
        string="Taxes",
        default=lambda self: self.env.company.account_sale_tax_id,
        domain="[('type_tax_use', '=', 'sale'), ('company_id', '=', company_id)]",
    )
    rounding = fields.Selection(
        INVOICE_ROUNDINGS,
        "Rounding",
        compute="_compute_client_choices",
        store=True,
        readonly=False,
        required=True,
        precompute=True,
        help="Each timesheet's hours are rounded up to this increment. The client's, else the company's.",
    )
    account_line_ids = fields.One2many("xero.invoice.wizard.account", "wizard_id")
    revenue_line_id = fields.Many2one(
        "xero.invoice.wizard.account",
        "Xero revenue account",
        domain="[('wizard_id', '=', id), ('account_class', '=', 'REVENUE')]",
    )
    expense_line_id = fields.Many2one(
        "xero.invoice.wizard.account",
        "Xero expense account",
        domain="[('wizard_id', '=', id), ('account_class', '=', 'EXPENSE')]",
    )
    income_account_id = fields.Many2one(
        "account.account",
        "Odoo income account",
        compute="_compute_income_account_id",
        store=True,
        readonly=False,
        help="Odoo account of the time lines: the one mapped to the Xero revenue account (Xero account mapping).",
    )
    cost_account_id = fields.Many2one(
        "account.account",
        "Odoo account of re-billed costs",
        compute="_compute_cost_account_id",
        help="Lines you add to the invoice without a product (disbursements, costs re-billed) are booked on the Odoo"
        " account an adviser mapped to the Xero expense account, and reach Xero on that expense account.",
    )
    line_count = fields.Integer("Invoice lines", compute="_compute_preview")
    hours_total = fields.Float("Hours to invoice", compute="_compute_preview", digits="Product Unit")
    amount_total = fields.Monetary("Untaxed amount", compute="_compute_preview")
    warning = fields.Char(compute="_compute_preview")
    rate_sources = fields.Text("Rates", compute="_compute_preview", help="Each hourly rate and where it comes from.")

    # -- opening -----------------------------------------------------------------------------------
    @api.model
    def _action_open(self, records):
        """Server action entry point: from timesheets, tasks, projects or clients."""
        self._check_accountant()
        vals = {}
        if records._name == "account.analytic.line":
            timesheets = records.filtered(lambda t: t.project_id and not t.sudo().xero_billed_move_line_id)
            vals["timesheet_ids"] = [(6, 0, timesheets.ids)]
            if len(timesheets.company_id) == 1:  # the time's company, whichever is current
                vals["company_id"] = timesheets.company_id.id
            partners = timesheets.partner_id.commercial_partner_id
            if len(partners) == 1:
                vals["partner_id"] = partners.id
            if timesheets:
                vals["date_from"] = min(timesheets.mapped("date"))
                vals["date_to"] = max(timesheets.mapped("date"))
        elif records._name == "project.task" and len(records) == 1:
            vals.update(task_id=records.id, partner_id=records.partner_id.commercial_partner_id.id or False)
        elif records._name == "project.project" and len(records) == 1:
            vals["project_id"] = records.id
        elif records._name == "res.partner" and len(records) == 1:
            vals["partner_id"] = records.commercial_partner_id.id
        wizard = self.create(vals)
        if records._name == "account.analytic.line":  # what the wizard would refuse is not offered
            wizard.timesheet_ids = wizard.timesheet_ids.sudo().filtered_domain(wizard._timesheet_domain())
        wizard._load_accounts()
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": wizard.id,
            "view_mode": "form",
            "target": "new",
            "name": _("Invoice time"),
        }

    @api.constrains("company_id", "timesheet_ids")
    def _check_timesheet_company(self):
        for wizard in self:
            foreign = wizard.timesheet_ids.sudo().filtered(lambda t, company=wizard.company_id: t.company_id != company)
            if foreign:
                raise ValidationError(
                    _(
                        "%(count)s selected timesheet(s) are not %(company)s's time: invoice each company's time from"
                        " that company.",
                        count=len(foreign),
                        company=wizard.company_id.name,
                    )
                )

    @api.constrains("revenue_line_id", "expense_line_id")
    def _check_own_choices(self):
        """The Xero accounts are chosen among the ones this wizard's loading listed (the accountant cannot add or
        edit lines: the invoice is made with them as the system)."""
        for wizard in self.sudo():
            for line, account_class in ((wizard.revenue_line_id, "REVENUE"), (wizard.expense_line_id, "EXPENSE")):
                if line and (line.wizard_id != wizard or line.account_class != account_class):
                    raise ValidationError(_("Choose among the Xero accounts listed in this wizard."))

    @api.constrains("income_account_id", "company_id")
    def _check_income_account(self):
        """The Odoo income account is one of the wizard's company, and not another Xero account's."""
        for wizard in self:
            account = wizard.income_account_id
            if not account:
                continue
            account.check_access("read")  # the caller's rules (company), unless the code itself writes
            account = account.sudo()
            if (
                not account.active
                or account.account_type not in ("income", "income_other")
                or wizard.company_id not in account.company_ids
            ):
                raise ValidationError(
                    _(
                        "%(account)s is not an income account of %(company)s. Choose one, or leave the Odoo income"
                        " account empty to use the one mapped to the Xero revenue account.",
                        account=account.display_name,
                        company=wizard.company_id.name,
                    )
                )
            code = wizard.revenue_line_id.code
            if code and account.xero_account_code and account.xero_account_code != code:
                raise ValidationError(
                    _(
                        "%(account)s is mapped to the Xero account %(other)s, not to the revenue account %(code)s:"
                        " its lines would reach Xero on another account. Choose the account mapped to %(code)s.",
                        account=account.display_name,
                        other=account.xero_account_code,
                        code=code,
                    )
                )

    def _check_accountant(self):
        if not self.env.user.has_group("account.group_account_invoice"):
            raise AccessError(_("Only accountants can invoice time."))

    def _connection(self):
        return self.env["xero.connection"]._xero_for_company(self.company_id)

    def _load_accounts(self, live=True):
        """Xero's revenue and expense accounts to choose from; the connection's choice preselected (``live``
        False: only the connection's, without a call)."""
        self.ensure_one()
        connection = self._connection()
        accounts = []
        if live and connection and connection.state == "connected":
            try:
                with self.env["xero.service"]._xero_calls(connection) as client:
                    accounts = [("REVENUE", a) for a in client.accounts("REVENUE")]
                    accounts += [("EXPENSE", a) for a in client.accounts("EXPENSE")]
                    accounts = [(klass, a.code, a.name) for klass, a in accounts if a.code]
            except (XeroError, UserError):
                accounts = []  # offline: the accounts chosen at connection time are still offered
        self._xero_offer_accounts(connection, accounts)

    def _xero_load_connection_accounts(self):
        """``_load_accounts(live=False)`` of many wizards at once (a billing run's chunk): the connection found
        once per company, the accounts' lines of every wizard written together."""
        for wizards in self.grouped("company_id").values():
            wizards._xero_offer_accounts(wizards[0]._connection(), [])

    def _xero_offer_accounts(self, connection, accounts):
        """``accounts`` (``[(class, code, name)]``) and the connection's own listed on each wizard, the
        connection's choice preselected."""
        accounts = list(accounts)
        known = {(klass, code) for klass, code, _name in accounts}
        if connection:
            for klass, code, name in (
                ("REVENUE", connection.revenue_account_code, connection.revenue_account_name),
                ("EXPENSE", connection.expense_account_code, connection.expense_account_name),
            ):
                if code and (klass, code) not in known:
                    accounts.append((klass, code, name or code))
        # written by the code only: accountants read these lines (the invoice is made with them as the system)
        self.sudo().account_line_ids = [(5, 0, 0)] + [
            (0, 0, {"account_class": klass, "code": code, "name": name}) for klass, code, name in accounts
        ]
        for wizard in self:
            lines = wizard.account_line_ids
            wizard.revenue_line_id = (
                lines.filtered(lambda a: a.account_class == "REVENUE" and a.code == connection.revenue_account_code)[:1]
                or lines.filtered(lambda a: a.account_class == "REVENUE")[:1]
            )
            wizard.expense_line_id = (
                lines.filtered(lambda a: a.account_class == "EXPENSE" and a.code == connection.expense_account_code)[:1]
                or lines.filtered(lambda a: a.account_class == "EXPENSE")[:1]
            )

    # -- computes ----------------------------------------------------------------------------------
    def _timesheet_domain(self, client=True):
        """The time this wizard may invoice (``client`` False: of any client)."""
        self.ensure_one()
        domain = Domain([
            ("company_id", "=", self.company_id.id),
            ("project_id", "!=", False),
            ("unit_amount", ">", 0),
            ("xero_billed_move_line_id", "=", False),
        ])  # fmt: skip
        Timesheet = self.env["account.analytic.line"]
        domain &= Timesheet._xero_invoiceable_domain(self.company_id)
        fields_ = Timesheet._fields
        if "timesheet_invoice_id" in fields_:  # sale_timesheet: time billed, or to be billed, by a sales order
            domain &= Domain("timesheet_invoice_id", "=", False) & Domain("so_line", "=", False)
        if self.partner_id and client:
            domain &= Domain("partner_id", "child_of", self.partner_id.commercial_partner_id.id)
        if self.project_id:
            domain &= Domain("project_id", "=", self.project_id.id)
        if self.task_id:
            domain &= Domain("task_id", "child_of", self.task_id.id)
        if self.date_from:
            domain &= Domain("date", ">=", self.date_from)
        if self.date_to:
            domain &= Domain("date", "<=", self.date_to)
        return domain

    @api.depends("partner_id", "project_id", "task_id", "date_from", "date_to")
    def _compute_timesheet_ids(self):
        Timesheet = self.env["account.analytic.line"].sudo()
        for wizard in self:
            if wizard.partner_id or wizard.project_id or wizard.task_id:
                wizard.timesheet_ids = Timesheet.search(wizard._timesheet_domain(), order="date, id")
            else:
                wizard.timesheet_ids = False

    @api.depends("partner_id", "company_id")
    def _compute_client_choices(self):
        """The client's grouping, rounding and descriptions (remembered at its last invoice), else the defaults."""
        for wizard in self:
            client = wizard.partner_id.commercial_partner_id.sudo()
            wizard.grouping = client.xero_invoice_grouping or DEFAULT_GROUPING
            wizard.rounding = client.xero_invoice_rounding or wizard.company_id.sudo().xero_invoice_rounding or "0"
            wizard.show_descriptions = client.xero_invoice_descriptions

    @api.depends("partner_id")
    def _compute_currency_id(self):
        for wizard in self:
            pricelist = wizard.partner_id.property_product_pricelist if wizard.partner_id else False
            wizard.currency_id = (pricelist and pricelist.currency_id) or wizard.company_id.currency_id

    @api.depends("revenue_line_id")
    def _compute_income_account_id(self):
        found = {}  # a billing run's wizards share the code: one search for them all
        for wizard in self:
            key = (wizard.revenue_line_id.code, wizard.company_id.id)
            if key not in found:
                found[key] = key[0] and self.env["account.account"].search(
                    [
                        ("xero_account_code", "=", key[0]),
                        ("company_ids", "in", wizard.company_id.ids),
                        ("account_type", "in", ("income", "income_other")),
                    ],
                    limit=1,
                )
            wizard.income_account_id = found[key]

    @api.depends("expense_line_id", "company_id")
    def _compute_cost_account_id(self):
        Account = self.env["account.account"].sudo()
        for wizard in self:
            code = wizard.expense_line_id.code
            wizard.cost_account_id = code and Account.search(
                [("xero_account_code", "=", code), ("company_ids", "in", wizard.company_id.ids)], limit=1
            )

    @api.depends("timesheet_ids", "grouping", "currency_id", "rounding", "date_to")
    def _compute_preview(self):
        for wizard in self:
            timesheets = wizard.timesheet_ids.sudo()
            groups = wizard._xero_groups(timesheets)
            wizard.rate_sources = wizard._xero_rate_summary(timesheets)
            wizard.line_count = len(groups)
            wizard.hours_total = sum(group["hours"] for group in groups)
            wizard.amount_total = sum(group["amount"] for group in groups) if wizard.currency_id else 0.0
            unpriced = sum(1 for group in groups if not group["rate"])
            wizard.warning = (
                _(
                    "%s line(s) have no hourly rate: set one on the task, project, employee or in Settings → Xero.",
                    unpriced,
                )
                if unpriced
                else False
            )

    # -- rates and grouping --------------------------------------------------------------------------
    def _xero_rates(self, timesheets):
        """``{timesheet id: hourly rate in the invoice currency}`` (see ``_xero_rates_with_source``)."""
        return {line_id: rate for line_id, (rate, _source) in self._xero_rates_with_source(timesheets).items()}

    def _xero_rates_with_source(self, timesheets):
        """``{timesheet id: (hourly rate in the invoice currency, source)}``, the source being ``task``,
        ``project``, ``employee``, ``company`` (its default) or ``none``.

        Precedence: the task's rate (a subtask without one uses its nearest parent's), else the
        project's, else the employee's, else the company default. Rates are in the company currency,
        converted at the invoice date. A rate of 0 means "not set".
        """
        company = self.company_id
        task_rates = {}

        def task_rate(task):
            if task.id not in task_rates:
                rate, seen, current = 0.0, set(), task
                while current and current.id not in seen:
                    seen.add(current.id)
                    if current.xero_hourly_rate:
                        rate = current.xero_hourly_rate
                        break
                    current = current.parent_id
                task_rates[task.id] = rate
            return task_rates[task.id]

        converted = {}
        currency = self.currency_id or company.currency_id
        day = self.date_to or fields.Date.context_today(self)

        def convert(rate):
            if rate not in converted:
                converted[rate] = company.currency_id._convert(rate, currency, company, day, round=False)
            return converted[rate]

        rates = {}
        for line in timesheets:
            rate, source = next(
                (
                    (rate, source)
                    for rate, source in (
                        (line.task_id and task_rate(line.task_id), "task"),
                        (line.project_id.xero_hourly_rate, "project"),
                        (line.employee_id.xero_hourly_rate, "employee"),
                        (company.xero_default_hourly_rate, "company"),
                    )
                    if rate
                ),
                (0.0, "none"),
            )
            rates[line.id] = (float_round(convert(rate), precision_digits=self._price_digits()), source)
        return rates

    def _xero_rate_label(self, rate, source):
        """How a rate reads where it is shown: "150.00/h from the task", "100.00/h company default"."""
        if source == "none":
            return _("No hourly rate")
        currency = self.currency_id or self.company_id.currency_id
        return _(
            "%(rate)s/h %(source)s",
            rate=format_amount(self.env, rate, currency),
            source=self._xero_rate_source_names()[source],
        )

    def _xero_rate_source_names(self):
        return {
            "task": _("from the task"),
            "project": _("from the project"),
            "employee": _("from the employee"),
            "company": _("company default"),
        }

    def _xero_rate_summary(self, timesheets):
        """The preview's rates: one line per rate and source, with its hours, in the time's order."""
        if not timesheets:
            return False
        rates = self._xero_rates_with_source(timesheets)
        hours = defaultdict(float)
        for line in timesheets:
            hours[rates[line.id]] += line.unit_amount
        return "\n".join(
            self.env._("%(rate)s: %(hours)s h", rate=self._xero_rate_label(rate, source), hours=round(total, 2))
            for (rate, source), total in hours.items()
        )

    def _price_digits(self):
        return self.env["decimal.precision"].precision_get("Product Price")

    def _group_key(self, line):
        if self.grouping == "task":
            return (line.task_id.id or 0, line.project_id.id)
        if self.grouping == "project":
            return (line.project_id.id,)
        if self.grouping == "entry":
            return (line.id,)
        if self.grouping == "employee":
            return (line.employee_id.id,)
        if self.grouping == "day":
            return (line.date,)
        return ()

    def _group_label(self, line, first, last):
        period = fields.Date.to_string(first) if first == last else f"{first} – {last}"
        if self.grouping == "task":
            return _("%(task)s (%(period)s)", task=(line.task_id or line.project_id).display_name, period=period)
        if self.grouping == "project":
            return _("%(project)s (%(period)s)", project=line.project_id.display_name, period=period)
        if self.grouping == "entry":
            return _(
                "%(date)s – %(employee)s: %(description)s",
                date=period,
                employee=line.employee_id.name,
                description=_description(line.name) or (line.task_id or line.project_id).display_name,
            )
        if self.grouping == "employee":
            return _("%(employee)s (%(period)s)", employee=line.employee_id.name, period=period)
        if self.grouping == "day":
            return _("Time on %s", period)
        return _("Time (%s)", period)

    def _group_details(self, lines):
        """The distinct descriptions of a group's time, one per line under its label, when the accountant asks
        for them (a time entry's is its label already)."""
        if not self.show_descriptions or self.grouping == "entry":
            return ""
        descriptions = list(dict.fromkeys(filter(None, (_description(line.name) for line in lines))))
        shown, length = [], 0
        for description in descriptions:
            if length + len(description) > DESCRIPTIONS_CHARS and shown:
                break
            shown.append(f"- {description}")
            length += len(description)
        if len(shown) < len(descriptions):
            shown.append(_("… and %s more", len(descriptions) - len(shown)))
        return "\n".join(shown)

    def _quantity_digits(self):
        """The hours' decimals on the invoice line: Odoo's quantity precision, at most Xero's 4."""
        return min(self.env["decimal.precision"].precision_get("Product Unit"), XERO_QUANTITY_DIGITS)

    def _xero_groups(self, timesheets):
        """Invoice lines as ``[{"hours", "rate", "amount", "timesheet_ids", "name", "details"}]``: one per group and
        rate (``details``: the time's descriptions when asked for).

        ``amount`` is the billed time × rate to the cent, before the hours are cut to the line's quantity
        precision: without rounding, 1:32 at 150/h is 230.00 even though the line shows 1.53 h."""
        if not timesheets:
            return []
        timesheets.fetch(["unit_amount", "date", "task_id", "project_id", "employee_id", "name"])
        digits = self._quantity_digits()
        currency = self.currency_id or self.company_id.currency_id
        rates = self._xero_rates(timesheets)
        rounding = self.rounding
        buckets = defaultdict(list)
        for line in timesheets.sorted(lambda line: (line.date, line.id)):
            buckets[(self._group_key(line), rates[line.id])].append(line)
        groups = []
        for (_key, rate), lines in buckets.items():
            dates = [line.date for line in lines]
            hours = sum(rounded_hours(line.unit_amount, rounding, digits) for line in lines)
            groups.append(
                {
                    "hours": float_round(hours, precision_digits=digits),
                    "exact_hours": hours,
                    "rate": rate,
                    "amount": currency.round(hours * rate),
                    "timesheet_ids": [line.id for line in lines],
                    "name": self._group_label(lines[0], min(dates), max(dates)),
                    "details": self._group_details(lines),
                    "first": min(dates),
                    "last": max(dates),
                    "sort": (min(dates), lines[0].id),
                }
            )
        groups.sort(key=lambda group: group["sort"])
        return groups

    # -- create the invoice ----------------------------------------------------------------------------
    def _income_account(self):
        """The Odoo income account of the time lines: the one mapped to the chosen Xero revenue account (or the one
        the accountant chose). Invoicing users never change the chart: an unmapped code is refused."""
        account = self.income_account_id
        if not account:
            raise UserError(
                _(
                    "No Odoo income account is mapped to the Xero revenue account %(account)s. Ask an adviser to map"
                    " it (Invoicing → Configuration → Xero account mapping), or choose the Odoo income account here.",
                    account=self.revenue_line_id.display_name,
                )
            )
        return account

    def _check_ready(self, timesheets):
        if not self.partner_id:
            raise UserError(_("Choose the client to invoice."))
        if not self.partner_id.commercial_partner_id.xero_contact_id and not self.partner_id.xero_contact_id:
            raise UserError(_("%s is not a Xero client; choose a client imported from Xero.", self.partner_id.name))
        if not timesheets:
            raise UserError(_("There is no time to invoice for this client, period and selection."))
        if not self.revenue_line_id:
            raise UserError(_("Choose the Xero revenue account of the time lines."))
        self._check_own_choices()
        self._check_income_account()
        others = timesheets.filtered(
            lambda t: t.partner_id.commercial_partner_id != self.partner_id.commercial_partner_id
        )
        if others:
            raise UserError(
                _(
                    "%(count)s selected timesheet(s) belong to another client (e.g. %(client)s). Invoice each client"
                    " separately.",
                    count=len(others),
                    client=others[0].partner_id.display_name or _("no client"),
                )
            )

    def _check_selection(self, timesheets):
        """The time is the wizard's own selection: the list is editable, so its filters are applied again."""
        self._refuse_outside(timesheets - timesheets.filtered_domain(self._timesheet_domain()))

    def _refuse_outside(self, outside):
        if outside:
            line = outside[0]
            raise UserError(
                _(
                    "%(count)s selected timesheet(s) cannot be invoiced here (e.g. %(date)s, %(name)s): only time of"
                    " this client, project, task and period, logged on a project, with hours, and not billed"
                    " otherwise is invoiced. Remove them from the list, or open the wizard again.",
                    count=len(outside),
                    date=line.date,
                    name=line.name or line.project_id.display_name or _("no description"),
                )
            )

    def action_create_invoice(self):
        move = self._xero_create_invoice()
        return {
            "type": "ir.actions.act_window",
            "res_model": "account.move",
            "res_id": move.id,
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "current",
        }

    def _xero_create_invoice(self):
        """The draft invoice of the wizard's time (the billing run makes each client's with it)."""
        groups = self._xero_invoice_groups()
        move = self._create_move(groups)
        self._xero_bill_timesheets(groups, move)
        return move

    def _xero_invoice_groups(self):
        """The checks before the invoice is made (its time locked), then its lines' groups."""
        self.ensure_one()
        self._check_accountant()
        timesheets = self.timesheet_ids.sudo()
        self._check_ready(timesheets)
        # two accountants invoicing the same time at once: the second waits, then finds it invoiced
        timesheets.lock_for_update()
        timesheets.invalidate_recordset(["xero_billed_move_line_id"])
        self._check_not_invoiced(timesheets)
        self._check_selection(timesheets)
        return self._xero_priced_groups(timesheets)

    def _xero_invoice_groups_each(self):
        """``{wizard: groups}``: ``_xero_invoice_groups`` of many wizards at once (a billing run's chunk), their
        time locked, read again and checked with a query each for all of them. The first refusal raises: each
        wizard on its own then gives its own reason."""
        self._check_accountant()
        for wizard in self:
            wizard._check_ready(wizard.timesheet_ids.sudo())
        timesheets = self.timesheet_ids.sudo()
        timesheets.lock_for_update()
        timesheets.invalidate_recordset(["xero_billed_move_line_id"])
        timesheets.fetch(["xero_billed_move_line_id"])
        for wizard in self:
            wizard._check_not_invoiced(wizard.timesheet_ids.sudo())
        self._check_selection_each()
        return {wizard: wizard._xero_priced_groups(wizard.timesheet_ids.sudo()) for wizard in self}

    def _check_not_invoiced(self, timesheets):
        invoiced = timesheets.filtered("xero_billed_move_line_id")
        if invoiced:
            raise UserError(
                _(
                    "%(count)s of these timesheets were invoiced meanwhile (%(invoice)s). Open the wizard again.",
                    count=len(invoiced),
                    invoice=invoiced[0].xero_billed_move_id.display_name,
                )
            )

    def _check_selection_each(self):
        """``_check_selection`` of many wizards: their filters but the client's applied to all their time in one
        query, the client's (the client and its contacts) by walking each timesheet's contact up to it."""
        by_filters = defaultdict(list)
        for wizard in self:
            by_filters[str(wizard._timesheet_domain(client=False))].append(wizard)
        for wizards in by_filters.values():
            wizards = self.browse([wizard.id for wizard in wizards])
            kept = wizards.timesheet_ids.sudo().filtered_domain(wizards[0]._timesheet_domain(client=False))
            for wizard in wizards:
                timesheets = wizard.timesheet_ids.sudo()
                client = wizard.partner_id.commercial_partner_id
                inside = (timesheets & kept).filtered(lambda t, c=client: _is_contact_of(t.partner_id, c))
                wizard._refuse_outside(timesheets - inside)

    def _xero_priced_groups(self, timesheets):
        groups = self._xero_groups(timesheets)
        unpriced = [group for group in groups if not group["rate"]]
        if unpriced:
            raise UserError(
                _(
                    "%(count)s line(s) have no hourly rate (e.g. %(line)s): an invoice at 0 is not created. Set a"
                    " rate on the task, project, employee or in Settings → Xero, then create the invoice again.",
                    count=len(unpriced),
                    line=unpriced[0]["name"],
                )
            )
        return groups

    def _xero_bill_timesheets(self, groups, move):
        """Each timesheet linked to the invoice line that bills it."""
        timesheets = self.env["account.analytic.line"].sudo()
        lines = move.invoice_line_ids.sorted("sequence")
        for group, line in zip(groups, lines, strict=True):
            timesheets.browse(group["timesheet_ids"]).write({"xero_billed_move_line_id": line.id})
        self._xero_remember_client_choices()

    def _xero_remember_client_choices(self):
        """The client's next invoice defaults to this one's grouping, rounding and descriptions, when they differ
        from what it defaults to now (a client following the company's rounding keeps following it)."""
        client = self.partner_id.commercial_partner_id.sudo()  # the accountant's choices, not partner rights
        company_rounding = self.company_id.sudo().xero_invoice_rounding or "0"
        choices = {
            "xero_invoice_grouping": (client.xero_invoice_grouping or DEFAULT_GROUPING, self.grouping),
            "xero_invoice_rounding": (client.xero_invoice_rounding or company_rounding, self.rounding),
            "xero_invoice_descriptions": (client.xero_invoice_descriptions, self.show_descriptions),
        }
        vals = {name: new for name, (current, new) in choices.items() if current != new}
        if vals:
            client.write(vals)

    def _create_move(self, groups):
        with owned_writes():  # the rounding and Xero accounts the invoice was made with, not the accountant's
            return self.env["account.move"].with_company(self.company_id).create(self._xero_move_vals(groups))

    def _xero_move_vals(self, groups):
        account = self._income_account()
        hour = self.env["ir.model.data"]._xmlid_to_res_id("uom.product_uom_hour")  # cached: no query per invoice
        first = min(group["first"] for group in groups)
        last = max(group["last"] for group in groups)
        fiscal_position = self._fiscal_position()
        account = fiscal_position.map_account(account)
        taxes = fiscal_position.map_tax(self.tax_ids)
        line_vals = []
        for sequence, group in enumerate(groups, start=10):
            price = self._xero_line_price(group)
            vals = {
                "sequence": sequence,
                **price,
                "name": "\n".join(filter(None, (price["name"], group["details"]))),
                "account_id": account.id,
                "tax_ids": [(6, 0, taxes.ids)],
                **self._xero_line_terms(),
            }
            if hour:
                vals["product_uom_id"] = hour
            line_vals.append((0, 0, vals))
        return {
            "move_type": "out_invoice",
            "partner_id": self.partner_id.id,
            "currency_id": self.currency_id.id,
            "fiscal_position_id": fiscal_position.id,
            "invoice_origin": _("Time %(first)s – %(last)s", first=first, last=last),
            "xero_invoice_rounding": self.rounding,
            "xero_revenue_account_code": self.revenue_line_id.code,
            "xero_expense_account_code": self.expense_line_id.code,
            "invoice_line_ids": line_vals,
            **self._xero_move_terms(),
        }

    def _xero_move_vals_each(self, groups):
        """``{wizard: invoice values}`` of many wizards (a billing run's chunk), ``groups`` being ``{wizard: its
        lines' groups}``: the clients' contacts and fiscal positions, which Odoo reads client by client, read for
        them all at once."""
        for company, wizards in self.grouped("company_id").items():
            clients = wizards.partner_id.with_company(company)
            clients.fetch(["property_account_position_id", "child_ids"])
            clients.child_ids.fetch(["child_ids"])  # address_get walks each client's contacts
        return {wizard: wizard._xero_move_vals(groups[wizard]) for wizard in self}

    def _fiscal_position(self):
        """The client's fiscal position, found as Odoo finds it for any invoice (``account.move``)."""
        partner = self.partner_id
        delivery = partner.browse(partner.address_get(["delivery"])["delivery"])
        return (
            self.env["account.fiscal.position"]
            .with_company(self.company_id)
            ._get_fiscal_position(partner, delivery=delivery)
        )

    def _xero_line_price(self, group):
        """``name``, ``quantity`` and ``price_unit`` of a group's line, billing exactly ``group["amount"]``.

        The line shows the hours at the quantity's precision (0.01 h by default). When those hours × the
        rate miss the exact amount (no rounding: 1:32 is 1.53 h, 229.50 at 150/h instead of 230.00), the
        unit price becomes the one that bills the exact amount (150.33, at most 4 decimals, as Xero keeps)
        and the description states the exact time and the rate. Above 100 hours, when no such price exists
        for the hours, the nearest hours a few hundredths away that have one are shown (README)."""
        rate, hours, amount = group["rate"], group["hours"], group["amount"]
        currency = self.currency_id or self.company_id.currency_id
        if currency.compare_amounts(currency.round(hours * rate), amount) == 0:
            return {"name": group["name"], "quantity": hours, "price_unit": rate}
        exact = exact_line(hours, amount, rate, 10 ** -self._quantity_digits())
        if exact is None:
            raise UserError(
                _(
                    "The line “%(line)s” (%(hours)s h) cannot bill exactly %(amount)s with Xero's 4 decimals of a"
                    " unit price. Choose another grouping (per day or per employee) to make smaller lines.",
                    line=group["name"],
                    hours=hours,
                    amount=format_amount(self.env, amount, currency),
                )
            )
        seconds = round(group["exact_hours"] * 3600)
        time = f"{seconds // 3600}:{seconds % 3600 // 60:02d}" + (f":{seconds % 60:02d}" if seconds % 60 else "")
        name = _(
            "%(name)s — %(time)s h at %(rate)s/h",
            name=group["name"],
            time=time,
            rate=format_amount(self.env, rate, currency),
        )
        return {"name": name, "quantity": exact[0], "price_unit": exact[1]}
