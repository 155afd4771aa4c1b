from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError

from .. import const
from ..const import BILLING_GROUPS, INVOICE_GROUPINGS, INVOICE_ROUNDINGS
from ..import_speedups import check_company_batched, memoized_default_get
from ..matching import normalise_name
from ..ownership import integration_writes
from ..terms import PAYMENT_TERM_TYPES
from .xero_contact_match import MATCH_KEYS

# how a client's time is invoiced: the Invoice time wizard's defaults, Billing's to set
XERO_INVOICE_CHOICES = {"xero_invoice_grouping", "xero_invoice_rounding", "xero_invoice_descriptions"}


class ResPartner(models.Model):
    _inherit = "res.partner"

    xero_contact_id = fields.Char("Xero ContactID", copy=False, index="btree_not_null", readonly=True)
    # Odoo's Send pushes this client's invoices to Xero (account.move.send, issue 25)
    invoice_sending_method = fields.Selection(selection_add=[("xero", "by Xero")])
    # the timer's client search matches name, e-mail or number anywhere in them (ILIKE '%…%'): trigram indexes
    # keep it at milliseconds with 100,000 clients (bench/timer.py)
    xero_contact_number = fields.Char("Xero contact number", copy=False, readonly=True, index="trigram")
    xero_is_customer = fields.Boolean("Xero customer", readonly=True, copy=False)
    xero_is_supplier = fields.Boolean("Xero supplier", readonly=True, copy=False)
    xero_merged_into_id = fields.Many2one(
        "res.partner", "Merged into", copy=False, readonly=True, help="Xero merged this client's contact into that one."
    )

    # the Xero contact's own sales terms, imported with it (README "The client's own terms"): defaults of the
    # invoices made from time, which the accountant may change on each
    xero_payment_terms_day = fields.Integer("Xero payment terms: day", copy=False, readonly=True)
    xero_payment_terms_type = fields.Selection(
        PAYMENT_TERM_TYPES, "Xero payment terms", copy=False, readonly=True, help="Due date of the client's invoices."
    )
    xero_default_currency = fields.Char("Xero default currency", copy=False, readonly=True)
    xero_sales_tax_type = fields.Char("Xero sales tax type", copy=False, readonly=True)
    xero_sales_account_code = fields.Char("Xero sales account", copy=False, readonly=True)
    xero_sales_tracking = fields.Json("Xero sales tracking", copy=False, readonly=True)
    xero_branding_theme_uuid = fields.Char("Xero BrandingThemeID", copy=False, readonly=True)
    xero_branding_theme_name = fields.Char("Xero branding theme", copy=False, readonly=True)
    xero_discount = fields.Float("Xero sales discount (%)", copy=False, readonly=True, digits="Discount")
    xero_terms_summary = fields.Char("Payment terms at Xero", compute="_compute_xero_terms_summary")
    xero_sales_tracking_summary = fields.Char("Sales tracking at Xero", compute="_compute_xero_terms_summary")
    # one place bills (issue 26): Odoo invoices the client's time, or Xero Projects does (never both)
    xero_billed_by = fields.Selection(
        [("odoo", "Odoo"), ("xero_projects", "Xero Projects")],
        "Time billed by",
        default="odoo",
        required=True,
        groups=const.BILLING_GROUPS,
        help="Odoo: Invoice time bills this client's time. Xero Projects: its approved time is pushed to a Xero"
        " project of its own and invoiced there; Odoo never invoices it.",
    )
    xero_projects_project_id = fields.Char(
        "Xero project", copy=False, readonly=True, groups=const.BILLING_GROUPS, help="The client's ProjectId in Xero."
    )

    xero_match_name = fields.Char(
        "Name for matching",
        compute="_compute_xero_match_name",
        store=True,
        index="btree_not_null",
        help="The name without case, punctuation or legal form: how Xero contacts find this client.",
    )
    xero_match_key = fields.Selection(
        MATCH_KEYS, "Matched to Xero on", copy=False, readonly=True, help="How the import linked this existing client."
    )

    # how the client's invoices of time are made: the wizard's defaults, saved from the last one (see README)
    xero_invoice_grouping = fields.Selection(
        INVOICE_GROUPINGS,
        "Invoice lines",
        groups=BILLING_GROUPS,
        help="How Invoice time groups this client's time; empty: per task. Remembered from its last invoice.",
    )
    xero_invoice_rounding = fields.Selection(
        INVOICE_ROUNDINGS,
        "Invoice time rounding",
        groups=BILLING_GROUPS,
        help="Each timesheet's hours are rounded up to this increment; empty: the company's. Remembered from the"
        " client's last invoice.",
    )
    xero_invoice_descriptions = fields.Boolean(
        "Show the descriptions of the time",
        groups=BILLING_GROUPS,
        help="The timesheets' descriptions on the invoice lines. Remembered from the client's last invoice.",
    )

    # (as index="trigram" does: none where PostgreSQL lacks pg_trgm)
    _xero_name_trgm = models.Index(lambda registry: registry.has_trigram and "USING gin (name gin_trgm_ops)")
    _xero_email_trgm = models.Index(lambda registry: registry.has_trigram and "USING gin (email gin_trgm_ops)")
    _xero_contact_uniq = models.UniqueIndex(
        "(company_id, xero_contact_id) WHERE xero_contact_id IS NOT NULL",
        "A Xero contact is linked to one client per company.",
    )

    @api.model
    def default_get(self, fields):
        return memoized_default_get(self, fields, super().default_get)

    def _check_company(self, fnames=None):
        if len(self) > 1 and self.env.context.get(const.CONTEXT_FROM_XERO) and integration_writes(self.env):
            return check_company_batched(self, fnames, super()._check_company)
        return super()._check_company(fnames)

    def write(self, vals):
        """Accountants set how a client's time is invoiced, on clients they read, without the right to edit contacts
        (Odoo gives Invoicing users read access to partners only)."""
        if (
            vals
            and vals.keys() <= XERO_INVOICE_CHOICES
            and not self.env.su
            and self.env.user.has_group("account.group_account_invoice")
        ):
            self.check_access("read")
            return super(ResPartner, self.sudo()).write(vals)
        return super().write(vals)

    @api.depends("name")
    def _compute_xero_match_name(self):
        for partner in self:
            partner.xero_match_name = normalise_name(partner.name) or False

    @api.depends("xero_payment_terms_day", "xero_payment_terms_type", "xero_sales_tracking")
    def _compute_xero_terms_summary(self):
        labels = dict(self._fields["xero_payment_terms_type"]._description_selection(self.env))
        for partner in self:
            term_type = partner.xero_payment_terms_type
            partner.xero_terms_summary = term_type and f"{partner.xero_payment_terms_day} {labels[term_type]}"
            partner.xero_sales_tracking_summary = ", ".join(
                f"{category}: {option}" for category, option in partner.xero_sales_tracking or []
            )

    def action_xero_unlink_match(self):
        """Undo a wrong match: the client keeps its history; the Xero contact gets a client of its own at the
        next synchronization and is never matched to this one again."""
        if not self.env.user.has_group("base.group_system"):
            raise AccessError(_("Only an administrator can unlink a client from its Xero contact."))
        self.check_access("write")  # clients of the administrator's companies only
        Task = self.env["project.task"].sudo().with_context(active_test=False)
        Match = self.env["xero.contact.match"].sudo()
        connections = self.env["xero.connection"]
        for partner in self.sudo():
            if not (partner.xero_contact_id and partner.xero_match_key):
                raise UserError(_("%s was not matched to a Xero contact by the import.", partner.display_name))
            contact_id = partner.xero_contact_id
            tasks = Task.search([("xero_contact_id", "=", contact_id), ("partner_id", "=", partner.id)])
            connection = tasks.xero_connection_id[:1] or connections.sudo()._xero_for_company(
                partner.company_id or self.env.company
            )
            name = tasks[:1].name or partner.name
            Match.create(
                {
                    "connection_id": connection.id,
                    "xero_contact_id": contact_id,
                    "name": name,
                    "state": "refused",
                    "partner_id": partner.id,
                    "refetch": True,
                }
            )
            partner.write({"xero_contact_id": False, "xero_match_key": False})
            body = _(
                "%(user)s unlinked the client “%(partner)s” from the Xero contact “%(contact)s” (%(id)s): the client"
                " keeps its history; the contact gets a client of its own at the next synchronization.",
                user=self.env.user.name,
                partner=partner.name,
                contact=name,
                id=contact_id,
            )
            partner.message_post(body=body)
            for task in tasks:
                task.message_post(body=body)
            connections |= connection
        for connection in connections:
            self.env["xero.contact.sync"].sudo()._xero_wake(connection)
        return True

    def action_xero_push_projects(self):
        """Push time to Xero Projects now (accountants): one run of the company's projects job."""
        if not self.env.user.has_group("account.group_account_invoice"):
            raise AccessError(_("Only accountants can push time to Xero Projects."))
        connection = self.env["xero.connection"].sudo()._xero_for_company(self.env.company)
        if not connection or connection.state != "connected":
            raise UserError(_("%s is not connected to Xero.", self.env.company.name))
        if not self.env["xero.projects"]._xero_enabled(connection):
            raise UserError(
                _(
                    "Xero Projects is not switched on for %s, or Xero has not granted it yet: switch it on in"
                    " Settings → Xero, then Enable integration again to grant it.",
                    self.env.company.name,
                )
            )
        log = self.env["xero.job"]._xero_ensure_cron(connection, "projects")._xero_run("manual")
        return log._notification_action()

    def _xero_contact_payload(self):
        """A Xero contact for a client invoiced from Odoo that Xero does not know yet."""
        self.ensure_one()
        payload = {"Name": (self.name or "").strip()[:255]}
        if self.email:
            payload["EmailAddress"] = self.email
        if self.vat:
            payload["TaxNumber"] = self.vat
        if self.street or self.city or self.zip or self.country_id:
            payload["Addresses"] = [
                {
                    "AddressType": "STREET",
                    "AddressLine1": self.street or "",
                    "AddressLine2": self.street2 or "",
                    "City": self.city or "",
                    "PostalCode": self.zip or "",
                    "Country": self.country_id.name or "",
                }
            ]
        return payload
