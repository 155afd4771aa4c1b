"""Portal customers and auditors see their invoice, not our internals (issue 21, item 5).

Over HTTP, as each role would: every call to Xero from an invoice needs Billing rights (the sandbox's request
log stays empty), the timesheet report is served to Billing users only, and the internal Xero fields of
invoices and companies are neither readable nor searchable nor described to the others.
"""

import json
from datetime import date, datetime

from lxml import etree

from odoo import fields, models
from odoo.exceptions import UserError
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools.view_validation import get_expression_field_names

from .test_money_payments import XeroMoneyMixin

REPORT = "xero_timesync.report_xero_timesheets"
SECRET_DESCRIPTION = "Confidential design review 4711"
SECRET_EMPLOYEE = "Zelda Quintessa"
# what Odoo and the sync keep for themselves (push errors and nonces, the organisation, the accounts, money errors)
INTERNAL_MOVE_FIELDS = (
    "xero_push_error",
    "xero_push_nonce",
    "xero_pushed_at",
    "xero_url",
    "xero_payment_error",
    "xero_revenue_account_code",
    "xero_expense_account_code",
    "xero_currency_warning",
    "xero_timesheet_count",
    "xero_timesheets_attached",
    "xero_credit_pushable",
    "xero_tenant_id",
    "xero_gone_at",
    "xero_gone_followed",
    "xero_ledger_difference",
)
INTERNAL_COMPANY_FIELDS = (
    "xero_connection_id",
    "xero_invoice_rounding",
    "xero_push_status",
    "xero_payment_journal_id",
    "xero_tracking_dimension",
    "xero_tracking_category_id",
    "xero_void_time",
)
MODIFIERS = ("invisible", "readonly", "required", "column_invisible")


def probe(record, name):
    """A search term on the field that matches the record (so the optimizer cannot drop it as always true)."""
    value = record.sudo()[name]
    if not value:
        return (name, "=", False)
    if isinstance(value, models.BaseModel):
        value = value.id
    elif isinstance(value, date):
        value = fields.Datetime.to_string(value) if isinstance(value, datetime) else fields.Date.to_string(value)
    return (name, "=", value)


@tagged("post_install", "-at_install")
class TestPortalAndAuditors(XeroMoneyMixin, HttpCase):
    registry_test_mode = False  # the sandbox mixin puts the registry in test mode itself

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        customer = cls.env["res.partner"].create(
            {"name": "Client's bookkeeper", "parent_id": cls.partner.id, "email": "books@example.com"}
        )
        cls.portal = new_test_user(cls.env, "xero_portal", groups="base.group_portal", partner_id=customer.id)
        cls.employee = new_test_user(cls.env, "xero_employee", groups="base.group_user")
        cls.auditor = new_test_user(cls.env, "xero_auditor", groups="base.group_user,account.group_account_readonly")
        cls.outsiders = (cls.portal, cls.employee, cls.auditor)

    def setUp(self):
        super().setUp()
        zelda = self.env["hr.employee"].create({"name": SECRET_EMPLOYEE, "company_id": self.company.id})
        self.task.xero_hourly_rate = 100
        self.timesheet(2, name=SECRET_DESCRIPTION, employee=zelda)
        self.move = self.invoice_time()
        self.move.action_post()
        self.env["xero.invoice.sync"]._xero_push(self.move)
        self.assertEqual(self.move.xero_status, "AUTHORISED")
        self.move.message_subscribe(self.portal.partner_id.ids)  # as when the invoice is sent to the customer
        # the customer reads the invoice through the portal: what follows is not a plain access error
        self.move.with_user(self.portal).check_access("read")

    def rpc(self, user, model, method, *args, **kwargs):
        self.authenticate(user.login, user.login)
        payload = {"model": model, "method": method, "args": list(args), "kwargs": kwargs}
        response = self.url_open(
            f"/web/dataset/call_kw/{model}/{method}",
            data=json.dumps({"jsonrpc": "2.0", "method": "call", "id": 1, "params": payload}),
            headers={"Content-Type": "application/json"},
        ).json()
        self.env.invalidate_all()  # the request wrote through its own environment
        return response.get("result"), (response.get("error") or {}).get("data", {}).get("name")

    def test_no_xero_call_from_an_invoice_without_billing_rights(self):
        self.sandbox.control.clear_requests()
        # the answers that wipe the grant (401, and 401 again after refreshing), armed for the first call to Xero
        self.sandbox.control.inject_fault("GET", "/api.xro/2.0/Invoices/", "401", count=2)
        for user in self.outsiders:
            for method in ("action_xero_view_online", "button_cancel", "action_xero_push"):
                with self.subTest(user=user.login, method=method):
                    result, error = self.rpc(user, "account.move", method, self.move.ids)
                    self.assertEqual(error, "odoo.exceptions.AccessError", result)
        self.assertEqual(self.sandbox.control.requests(), [])
        self.assertEqual(self.move.state, "posted")
        self.assertEqual(self.move.xero_status, "AUTHORISED")
        self.assertEqual(self.connection.state, "connected")
        self.assertTrue(self.connection.sudo().token_id.refresh_token)
        # the accountant's click does reach Xero, and meets the 401s that wipe the grant (its handling:
        # test_sync_faults, test_connect)
        with self.assertRaisesRegex(UserError, "Xero refused the connection"):
            self.move.with_user(self.accountant).action_xero_view_online()
        self.assertEqual(len(self.sandbox.control.requests("/api.xro/2.0/Invoices/")), 2)

    def test_view_online_works_for_billing_users(self):
        result, error = self.rpc(self.accountant, "account.move", "action_xero_view_online", self.move.ids)
        self.assertFalse(error)
        self.assertIn(self.move.xero_invoice_id, result["url"])

    def test_timesheet_report_is_served_to_billing_users_only(self):
        for converter in ("html", "pdf"):
            url = f"/report/{converter}/{REPORT}/{self.move.id}"
            for user in self.outsiders:
                with self.subTest(user=user.login, converter=converter):
                    self.authenticate(user.login, user.login)
                    response = self.url_open(url)
                    self.assertIn(response.status_code, (403, 404))
                    self.assertNotIn(SECRET_DESCRIPTION, response.text)
                    self.assertNotIn(SECRET_EMPLOYEE, response.text)
        self.authenticate(self.accountant.login, self.accountant.login)
        response = self.url_open(f"/report/html/{REPORT}/{self.move.id}")
        self.assertEqual(response.status_code, 200)
        self.assertIn(SECRET_DESCRIPTION, response.text)
        self.assertIn(SECRET_EMPLOYEE, response.text)

    def assert_fields_hidden(self, user, model, record_id, names):
        described, error = self.rpc(user, model, "fields_get", [], attributes=["type"])
        self.assertFalse(error)
        self.assertFalse(set(names) & set(described), f"{user.login} is told about {model}'s internal fields")
        everything, error = self.rpc(user, model, "read", [record_id])
        if error != "odoo.exceptions.AccessError":  # this role cannot read the model at all
            self.assertFalse(set(names) & set(everything[0]), f"{user.login} reads them all at once")
        for name in names:
            with self.subTest(user=user.login, model=model, field=name):
                for method, args, kwargs in (
                    ("read", [[record_id], [name]], {}),
                    ("search_read", [[("id", "=", record_id)], [name]], {}),
                    ("search_read", [[probe(self.env[model].browse(record_id), name)], ["id"]], {}),
                    ("web_read", [[record_id]], {"specification": {name: {}}}),
                ):
                    result, error = self.rpc(user, model, method, *args, **kwargs)
                    self.assertEqual(error, "odoo.exceptions.AccessError", f"{user.login} {method} {name}: {result}")

    def test_internal_invoice_fields_are_for_billing_users(self):
        for user in self.outsiders:
            self.assert_fields_hidden(user, "account.move", self.move.id, INTERNAL_MOVE_FIELDS)
        result, error = self.rpc(self.accountant, "account.move", "read", self.move.ids, list(INTERNAL_MOVE_FIELDS))
        self.assertFalse(error)
        self.assertTrue(result[0]["xero_push_nonce"])
        self.assertTrue(result[0]["xero_url"])

    def test_internal_company_fields_are_for_billing_users(self):
        for user in self.outsiders:
            self.assert_fields_hidden(user, "res.company", self.company.id, INTERNAL_COMPANY_FIELDS)
        result, error = self.rpc(
            self.accountant, "res.company", "read", self.company.ids, list(INTERNAL_COMPANY_FIELDS)
        )
        self.assertFalse(error)
        self.assertEqual(result[0]["xero_connection_id"][0], self.connection.id)

    def test_invoice_views_load_for_each_role_with_what_they_use(self):
        """Each role's invoice form and list: no internal field for outsiders, and every field a modifier
        reads is in the view (the web client evaluates them on the record)."""
        Move = self.env["account.move"]
        views = [[False, "form"], [False, "list"]]
        for user in (self.auditor, self.accountant, self.env.ref("base.user_admin")):
            result = Move.with_user(user).get_views(views)
            fields = set(result["models"]["account.move"]["fields"])
            if user == self.auditor:
                self.assertFalse(set(INTERNAL_MOVE_FIELDS) & fields)
            else:
                self.assertIn("xero_push_error", fields)
            for view_type, view in result["views"].items():
                with self.subTest(user=user.login, view=view_type):
                    arch = etree.fromstring(view["arch"])
                    used = {
                        name
                        for node in arch.iter()
                        if not any(parent.tag == "field" for parent in node.iterancestors())  # not a sub-view
                        for attribute in MODIFIERS
                        if node.get(attribute) not in (None, "1", "0", "True", "False")
                        for name in get_expression_field_names(node.get(attribute))
                        if name.startswith("xero_")
                    }
                    self.assertLessEqual(used, fields)
