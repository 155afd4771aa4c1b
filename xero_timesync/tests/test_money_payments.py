"""Payments recorded at Xero come back as reconciled Odoo payments, exactly once (issue 15, part 1)."""

import psycopg2

from odoo.tools import mute_logger

from .. import const
from .common import XeroSandboxCase
from .invoice_common import XeroInvoiceMixin


class XeroMoneyMixin(XeroInvoiceMixin):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.xero_push_status = "AUTHORISED"
        cls.bank = cls.env["account.journal"].search(
            [("company_id", "=", cls.company.id), ("type", "=", "bank")], limit=1
        )
        cls.company.xero_payment_journal_id = cls.bank

    def pushed_invoice(self, amount=100.0, **kwargs):
        move = self.posted_invoice(amount, **kwargs)
        self.env["xero.invoice.sync"]._xero_push(move)
        self.assertTrue(move.xero_invoice_id, move.xero_push_error)
        return move

    def pull(self):
        self.env["xero.invoice.sync"]._cron_xero_pull_invoice_status()


class TestPaymentsBack(XeroMoneyMixin, XeroSandboxCase):
    def test_scope_is_granular_and_read_only(self):
        self.assertIn("accounting.payments.read", const.SCOPES)
        self.assertNotIn("accounting.payments", const.SCOPES)
        self.assertNotIn("accounting.transactions", const.SCOPES)

    def test_full_payment_at_xero_makes_the_odoo_invoice_paid_once(self):
        move = self.pushed_invoice(100.0)
        total = move.amount_total
        payment = self.sandbox.control.record_payment(self.tenant["tenant_id"], move.xero_invoice_id)
        self.sandbox.control.clear_requests()
        self.pull()
        self.assertEqual(move.payment_state, "paid")
        self.assertEqual(move.xero_status, "PAID")
        odoo_payment = self.env["account.payment"].search([("xero_payment_id", "=", payment["PaymentID"])])
        self.assertEqual(len(odoo_payment), 1)
        self.assertEqual(odoo_payment.journal_id, self.bank)
        self.assertAlmostEqual(odoo_payment.amount, total, places=2)
        self.assertEqual(odoo_payment.currency_id, move.currency_id)
        self.assertIn(move, odoo_payment.reconciled_invoice_ids)
        # one paged GET /Payments with If-Modified-Since
        [get] = self.sandbox.control.requests("/api.xro/2.0/Payments")
        self.assertEqual(get["method"], "GET")
        self.assertIn("If-Modified-Since", get["headers"])
        # retries and overlapping pulls never register it twice
        self.env.company.xero_invoice_status_since = False
        self.pull()
        self.pull()
        self.assertEqual(self.env["account.payment"].search_count([("xero_payment_id", "=", payment["PaymentID"])]), 1)

    def test_partial_payments_leave_the_right_residual(self):
        move = self.pushed_invoice(100.0)
        total = move.amount_total
        self.sandbox.control.record_payment(self.tenant["tenant_id"], move.xero_invoice_id, amount=40)
        self.pull()
        self.assertEqual(move.payment_state, "partial")
        self.assertAlmostEqual(move.amount_residual, total - 40, places=2)
        self.sandbox.control.record_payment(self.tenant["tenant_id"], move.xero_invoice_id)
        self.pull()
        self.assertEqual(move.payment_state, "paid")
        self.assertEqual(self.env["account.payment"].search_count([("xero_payment_id", "!=", False)]), 2)

    def test_payment_deleted_at_xero_is_cancelled_in_odoo(self):
        move = self.pushed_invoice(100.0)
        total = move.amount_total
        payment = self.sandbox.control.record_payment(self.tenant["tenant_id"], move.xero_invoice_id, amount=30)
        self.pull()
        self.assertEqual(move.payment_state, "partial")
        self.sandbox.control.delete_payment(self.tenant["tenant_id"], payment["PaymentID"])
        self.pull()
        self.assertEqual(move.payment_state, "not_paid")
        self.assertAlmostEqual(move.amount_residual, total, places=2)
        odoo_payment = self.env["account.payment"].search([("xero_payment_id", "=", payment["PaymentID"])])
        self.assertEqual(odoo_payment.state, "canceled")
        # a later pull that sees the deleted payment again changes nothing
        self.env.company.xero_invoice_status_since = False
        self.pull()
        self.assertEqual(odoo_payment.state, "canceled")
        self.assertEqual(move.payment_state, "not_paid")

    def test_payments_of_invoices_we_did_not_push_are_ignored(self):
        move = self.pushed_invoice(100.0)
        payload, _error = self.env["xero.invoice.sync"]._xero_invoice_payload(self.connection, move)
        [made_at_xero] = (
            self.env["xero.service"]
            ._xero_client(self.connection)
            .create_invoices([dict(payload, Reference="XERO-1")], "k1")
        )
        self.sandbox.control.record_payment(self.tenant["tenant_id"], made_at_xero.invoice.invoice_id)
        self.pull()
        self.assertFalse(self.env["account.payment"].search([("xero_payment_id", "!=", False)]))
        self.assertEqual(move.payment_state, "not_paid")

    def test_without_a_journal_payments_wait_and_the_admin_is_told(self):
        self.company.xero_payment_journal_id = False
        move = self.pushed_invoice(100.0)
        self.sandbox.control.record_payment(self.tenant["tenant_id"], move.xero_invoice_id)
        self.pull()
        self.assertEqual(move.payment_state, "not_paid")
        self.assertEqual(move.xero_status, "PAID")
        self.assertIn("journal", move.xero_payment_error or "")
        self.company.xero_payment_journal_id = self.bank
        self.pull()  # the watermark did not move past the waiting payment
        self.assertEqual(move.payment_state, "paid")
        self.assertFalse(move.xero_payment_error)

    def test_the_xero_payment_id_is_unique_in_the_database(self):
        move = self.pushed_invoice(100.0)
        payment = self.sandbox.control.record_payment(self.tenant["tenant_id"], move.xero_invoice_id, amount=10)
        self.pull()
        odoo_payment = self.env["account.payment"].search([("xero_payment_id", "=", payment["PaymentID"])])
        with mute_logger("odoo.sql_db"), self.assertRaises(psycopg2.IntegrityError), self.env.cr.savepoint():
            odoo_payment.copy({"xero_payment_id": payment["PaymentID"]})
            self.env.flush_all()

    def test_settings_offer_the_payment_journal(self):
        settings = self.env["res.config.settings"].create({})
        self.assertEqual(settings.xero_payment_journal_id, self.bank)
