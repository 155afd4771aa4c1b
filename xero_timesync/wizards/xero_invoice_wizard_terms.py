"""Invoice time with the client's own terms at Xero (README "The client's own terms").

The Xero contact's payment terms, currency, sales tax type, sales account, sales tracking, branding theme and
discount (imported with the contact, on the client) are the wizard's defaults; the accountant changes any of
them for this invoice, and the draft invoice keeps them editable.
"""

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Domain

from ..services.errors import XeroError
from ..terms import due_date


class XeroInvoiceWizard(models.TransientModel):
    _inherit = "xero.invoice.wizard"

    invoice_date_due = fields.Date(
        "Due date",
        help="From the client's payment terms at Xero, counted from today. Empty: Odoo's payment terms of the client.",
    )
    discount = fields.Float(
        "Discount (%)", digits="Discount", help="On every line of time: the client's sales discount at Xero."
    )
    xero_branding_theme_id = fields.Many2one(
        "xero.branding.theme",
        "Xero branding theme",
        help="The client's branding theme at Xero; empty: the organisation's default.",
    )
    xero_tracking_option_ids = fields.Many2many(
        "xero.tracking.option",
        string="Xero tracking",
        help="The client's sales tracking at Xero, written on every line of the invoice.",
    )
    terms_note = fields.Text("About the client's terms", readonly=True)

    @api.onchange("partner_id")
    def _onchange_partner_xero_terms(self):
        self._xero_apply_client_terms()
        self._xero_select_client_account()

    @api.depends("partner_id")
    def _compute_currency_id(self):
        """The client's currency at Xero when it is active in Odoo (else the one Odoo would choose)."""
        super()._compute_currency_id()
        Currency = self.env["res.currency"]
        for wizard in self:
            code = wizard.partner_id.commercial_partner_id.xero_default_currency
            currency = code and Currency.search([("name", "=", code)], limit=1)
            if currency:
                wizard.currency_id = currency

    @api.depends("discount")
    def _compute_preview(self):
        """The untaxed amount after the discount, line by line as the invoice (and Xero) rounds it."""
        super()._compute_preview()
        for wizard in self.filtered(lambda w: w.discount and w.currency_id):
            groups = wizard._xero_groups(wizard.timesheet_ids.sudo())
            kept = 1 - wizard.discount / 100
            wizard.amount_total = sum(wizard.currency_id.round(group["amount"] * kept) for group in groups)

    # -- defaults from the client ------------------------------------------------------------------
    def _load_accounts(self, live=True):
        super()._load_accounts(live=live)
        self._xero_client_defaults(live)

    def _xero_load_connection_accounts(self):
        super()._xero_load_connection_accounts()
        self._xero_client_defaults(live=False)

    def _xero_client_defaults(self, live):
        """The client's terms and sales account, once the accounts are listed (``live``: Xero's own list)."""
        if not live:
            self._xero_list_client_account()
        for wizard in self:
            wizard._xero_read_missing_terms()
        self._xero_apply_client_terms()
        self._xero_select_client_account()

    def _xero_client(self):
        return self.partner_id.commercial_partner_id

    def _xero_read_missing_terms(self):
        """The client's branding theme or tracking options Odoo has not read from Xero yet are read now (one call
        each, only then); offline, the wizard opens without them and says so."""
        client = self._xero_client()
        if not client.xero_branding_theme_uuid and not client.xero_sales_tracking:
            return
        connection = self._connection()
        if not connection or connection.state != "connected":
            return
        tenant = connection.tenant_id
        theme_id = client.xero_branding_theme_uuid
        need_themes = theme_id and not self.env["xero.branding.theme"].sudo()._xero_find(tenant, theme_id)
        need_tracking = bool(client.xero_sales_tracking) and len(self._xero_client_options()) < len(
            client.xero_sales_tracking
        )
        if not (need_themes or need_tracking):
            return
        try:
            with self.env["xero.service"]._xero_calls(connection) as xero:
                if need_themes:
                    self.env["xero.branding.theme"].sudo()._refresh(tenant, xero.branding_themes())
                if need_tracking:
                    self.env["xero.tracking.category"].sudo()._refresh(tenant, xero.tracking_categories())
        except (XeroError, UserError):
            pass  # offline: the note says what could not be applied

    def _xero_client_options(self):
        """The active tracking options of the organisation named by the client's sales tracking."""
        pairs = {(c.casefold(), o.casefold()) for c, o in self._xero_client().xero_sales_tracking or []}
        connection = pairs and self._connection()
        if not connection:
            return self.env["xero.tracking.option"]
        options = (
            self.env["xero.tracking.option"]
            .sudo()
            .search(
                [("category_id.tenant_id", "=", connection.tenant_id), ("category_id.active", "=", True)],
            )
        )
        return options.filtered(lambda o: (o.category_id.name.casefold(), o.name.casefold()) in pairs)

    def _xero_client_tax(self):
        tax_type = self._xero_client().xero_sales_tax_type
        if not tax_type:
            return self.env["account.tax"]
        return self.env["account.tax"].search(
            Domain("xero_tax_type", "=", tax_type)
            & Domain("type_tax_use", "=", "sale")
            & Domain("company_id", "=", self.company_id.id),
            limit=1,
        )

    def _xero_apply_client_terms(self):
        """The client's terms at Xero as this invoice's defaults, and a note on what cannot be applied."""
        for wizard in self:
            client = wizard._xero_client()
            notes = []
            wizard.invoice_date_due = due_date(
                fields.Date.context_today(wizard), client.xero_payment_terms_day, client.xero_payment_terms_type
            )
            wizard.discount = client.xero_discount
            tax = wizard._xero_client_tax()
            wizard.tax_ids = tax or wizard.company_id.account_sale_tax_id
            if client.xero_sales_tax_type and not tax:
                notes.append(
                    _(
                        "No Odoo sales tax is mapped to the client's Xero tax type %s (Settings → Xero → Tax"
                        " mapping): the company's sales tax is used.",
                        client.xero_sales_tax_type,
                    )
                )
            code = client.xero_default_currency
            if code and wizard.currency_id.name != code:
                notes.append(
                    _(
                        "The client's currency at Xero is %(code)s, which is not active in Odoo: this invoice is in"
                        " %(currency)s. Activate %(code)s in Odoo to invoice the client in it.",
                        code=code,
                        currency=wizard.currency_id.name,
                    )
                )
            wizard.xero_branding_theme_id = client.xero_branding_theme_uuid and self.env[
                "xero.branding.theme"
            ].sudo()._xero_find(wizard._connection().tenant_id, client.xero_branding_theme_uuid)
            if client.xero_branding_theme_uuid and not wizard.xero_branding_theme_id:
                notes.append(
                    _(
                        "The client's branding theme at Xero (%s) could not be read: the organisation's default is"
                        " used.",
                        client.xero_branding_theme_name or client.xero_branding_theme_uuid,
                    )
                )
            options = wizard._xero_client_options()
            wizard.xero_tracking_option_ids = options
            missing = len(client.xero_sales_tracking or []) - len(options)
            if missing:
                notes.append(
                    _(
                        "The client's sales tracking at Xero (%s) is not among the organisation's active tracking"
                        " options: the invoice has none of it.",
                        client.xero_sales_tracking_summary,
                    )
                )
            wizard.terms_note = "\n".join(notes) or False

    def _xero_list_client_account(self):
        """Without Xero's list of accounts (a billing run reads none per client), the client's sales account is
        offered when an adviser mapped an Odoo income account of the company to it (Xero account mapping)."""
        for wizard in self:
            code = wizard._xero_client().xero_sales_account_code
            listed = wizard.account_line_ids.filtered_domain([("account_class", "=", "REVENUE"), ("code", "=", code)])
            if not code or listed:
                continue
            account = (
                self.env["account.account"]
                .sudo()
                .search(
                    [
                        ("xero_account_code", "=", code),
                        ("company_ids", "in", wizard.company_id.ids),
                        ("account_type", "in", ("income", "income_other")),
                    ],
                    limit=1,
                )
            )
            if account:
                wizard.sudo().account_line_ids = [
                    (0, 0, {"account_class": "REVENUE", "code": code, "name": account.name})
                ]

    def _xero_select_client_account(self):
        """The client's sales account at Xero as the revenue account, when it is a revenue account listed here."""
        for wizard in self:
            code = wizard._xero_client().xero_sales_account_code
            if not code:
                continue
            line = wizard.account_line_ids.filtered_domain([("account_class", "=", "REVENUE"), ("code", "=", code)])[:1]
            if line:
                wizard.revenue_line_id = line
            else:
                note = _(
                    "The client's sales account at Xero (%s) is not one of the revenue accounts listed: the one"
                    " chosen here is used.",
                    code,
                )
                wizard.terms_note = "\n".join(filter(None, (wizard.terms_note, note)))

    # -- on the invoice ----------------------------------------------------------------------------
    def _xero_move_terms(self):
        """The invoice's due date (instead of Odoo's payment terms), branding theme and tracking."""
        vals = {"xero_branding_theme_id": self.xero_branding_theme_id.id}
        if self.xero_tracking_option_ids:  # a new invoice has none: an empty set would cost a write per invoice
            vals["xero_tracking_option_ids"] = [(6, 0, self.xero_tracking_option_ids.ids)]
        if self.invoice_date_due:
            vals.update(invoice_date_due=self.invoice_date_due, invoice_payment_term_id=False)
        return vals

    def _xero_line_terms(self):
        return {"discount": self.discount}
