"""INVOICE and CREDITNOTE webhooks: a targeted fetch makes a change at Xero visible in seconds (issue 15, part 3)."""

import logging
import time

from odoo.tests import HttpCase, tagged

from .common import XeroSandboxMixin, XeroWebhookMixin
from .test_money_payments import XeroMoneyMixin

_logger = logging.getLogger(__name__)
WEBHOOK_KEY = "webhook-signing-key-for-money-tests"


@tagged("post_install", "-at_install")
class TestInvoiceEvents(XeroWebhookMixin, XeroMoneyMixin, XeroSandboxMixin, HttpCase):
    webhook_key = WEBHOOK_KEY

    def setUp(self):
        super().setUp()
        self.cron = self.env.ref("xero_timesync.ir_cron_xero_fetch_invoice_events")

    def deliver(self, category, resource_ids):
        delivery = self.sandbox.control.trigger_webhook(
            self.tenant["tenant_id"], event_category=category, resource_ids=resource_ids, url=self.url, key=WEBHOOK_KEY
        )
        self.assertEqual(delivery["status"], 200, delivery)

    def fetch(self):
        self.env.invalidate_all()  # rows written by the webhook request
        return self.env["xero.invoice.event"]._cron_xero_fetch_invoice_events()

    def test_invoice_event_fetches_that_invoice_and_registers_its_payment(self):
        move = self.pushed_invoice(100.0)
        payment = self.sandbox.control.record_payment(self.tenant["tenant_id"], move.xero_invoice_id, amount=25)
        started = time.monotonic()
        self.deliver("INVOICE", [move.xero_invoice_id])
        self.assertTrue(self.env["ir.cron.trigger"].search([("cron_id", "=", self.cron.id)]))
        self.sandbox.control.clear_requests()
        self.assertEqual(self.fetch(), 1)
        elapsed = time.monotonic() - started
        self.assertEqual(move.payment_state, "partial")
        self.assertTrue(self.env["account.payment"].search([("xero_payment_id", "=", payment["PaymentID"])]))
        # one targeted read: this invoice by id, nothing else
        [get] = self.sandbox.control.requests("/api.xro/2.0/")
        self.assertEqual(get["path"], "/api.xro/2.0/Invoices")
        self.assertIn(move.xero_invoice_id, get["query"])
        self.assertFalse(self.env["xero.invoice.event"].search([]))
        _logger.info("event → visible (webhook + targeted fetch, cron called at once): %.2f s", elapsed)
        # the payment is deleted at Xero: the next event cancels it here
        self.sandbox.control.delete_payment(self.tenant["tenant_id"], payment["PaymentID"])
        self.deliver("INVOICE", [move.xero_invoice_id])
        self.fetch()
        self.assertEqual(move.payment_state, "not_paid")
        # a replayed delivery of the same body is ignored by the controller; a new event refetches harmlessly
        self.deliver("INVOICE", [move.xero_invoice_id])
        self.fetch()
        self.assertEqual(self.env["account.payment"].search_count([("xero_payment_id", "=", payment["PaymentID"])]), 1)

    def test_creditnote_event_brings_the_xero_credit_note_back(self):
        move = self.pushed_invoice(100.0)
        made = self.sandbox.control.create_credit_note(self.tenant["tenant_id"], move.xero_invoice_id)
        self.deliver("CREDITNOTE", [made["credit_note"]["CreditNoteID"]])
        self.fetch()
        refund = self.env["account.move"].search([("reversed_entry_id", "=", move.id)])
        self.assertEqual(refund.xero_invoice_id, made["credit_note"]["CreditNoteID"])
        self.assertEqual(move.payment_state, "reversed")
        # the INVOICE event Xero also sends for it finds the credit note known: nothing twice
        self.deliver("INVOICE", [move.xero_invoice_id])
        self.fetch()
        self.assertEqual(self.env["account.move"].search_count([("reversed_entry_id", "=", move.id)]), 1)

    def test_events_of_invoices_we_do_not_know_cost_no_call(self):
        move = self.pushed_invoice(100.0)
        payload, _error = self.env["xero.invoice.sync"]._xero_invoice_payload(self.connection, move)
        [other] = (
            self.env["xero.service"]
            ._xero_client(self.connection)
            .create_invoices([dict(payload, Reference="XERO-2")], "k2")
        )
        self.deliver("INVOICE", [other.invoice.invoice_id])
        self.sandbox.control.clear_requests()
        self.assertEqual(self.fetch(), 1)
        self.assertFalse(self.sandbox.control.requests("/api.xro/2.0/"))

    def test_xero_failure_keeps_the_event_for_the_next_run(self):
        move = self.pushed_invoice(100.0)
        self.sandbox.control.record_payment(self.tenant["tenant_id"], move.xero_invoice_id)
        self.deliver("INVOICE", [move.xero_invoice_id])
        self.sandbox.control.inject_fault("GET", "/api.xro/2.0/Invoices", "503", count=20)
        with self.clients_sleep():
            self.assertEqual(self.fetch(), 0)
        self.assertEqual(len(self.env["xero.invoice.event"].search([])), 1)
        self.sandbox.control.clear_faults()
        self.fetch()
        self.assertEqual(move.payment_state, "paid")
