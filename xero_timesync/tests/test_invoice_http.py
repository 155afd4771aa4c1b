import json

from odoo.tests import HttpCase, new_test_user, tagged

from .invoice_common import XeroInvoiceMixin


@tagged("post_install", "-at_install")
class TestPushToXeroHttp(XeroInvoiceMixin, HttpCase):
    registry_test_mode = False  # the sandbox mixin puts the registry in test mode itself

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.ref("base.user_admin").tour_enabled = False
        new_test_user(cls.env, "xero_rpc_employee", password="xero_rpc_employee", groups="base.group_user")
        new_test_user(
            cls.env,
            "xero_rpc_auditor",
            password="xero_rpc_auditor",
            groups="base.group_user,account.group_account_readonly",
        )

    def call_push(self, login, move):
        self.authenticate(login, login)
        return self.url_open(
            "/web/dataset/call_kw/account.move/action_xero_push",
            data=self._jsonrpc(
                {"model": "account.move", "method": "action_xero_push", "args": [move.ids], "kwargs": {}}
            ),
            headers={"Content-Type": "application/json"},
        ).json()

    @staticmethod
    def _jsonrpc(params):
        return json.dumps({"jsonrpc": "2.0", "method": "call", "id": 1, "params": params})

    def test_regular_users_are_denied_over_rpc(self):
        move = self.posted_invoice()
        for login in ("xero_rpc_employee", "xero_rpc_auditor"):
            with self.subTest(login=login):
                response = self.call_push(login, move)
                self.assertIn("error", response)
                self.assertEqual(response["error"]["data"]["name"], "odoo.exceptions.AccessError")
        self.assertFalse(self.puts())
        self.assertFalse(move.xero_invoice_id)
        response = self.call_push("xero_accountant", move)
        self.assertNotIn("error", response)
        self.assertTrue(move.xero_invoice_id)

    def test_tour_push_to_xero_from_the_invoice_form(self):
        move = self.posted_invoice(amount=250)
        self.start_tour(
            f"/odoo/action-account.action_move_out_invoice_type/{move.id}", "xero_timesync_push_invoice", login="admin"
        )
        [invoice] = self.xero_invoices()
        self.assertEqual(invoice["Reference"], move.name)
        self.assertEqual(move.xero_invoice_id, invoice["InvoiceID"])
