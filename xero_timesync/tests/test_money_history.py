"""Registering a payment from an event costs the same whatever the payments already in the database (issue 23).

Counted in queries, which are exact: the time of one event at 10 and at 10,000 payments is
bench/payment_history.py's.
"""

from odoo.tests import tagged

from .common import XeroSandboxCase
from .test_money_payments import XeroMoneyMixin


@tagged("post_install", "-at_install")
class TestPaymentHistory(XeroMoneyMixin, XeroSandboxCase):
    def paid_by_event(self, move):
        """Queries of one INVOICE event → the invoice Paid, as one cron run (empty cache, writes flushed)."""
        self.sandbox.control.record_payment(self.tenant["tenant_id"], move.xero_invoice_id)
        Event = self.env["xero.invoice.event"]
        event = {"tenantId": self.tenant["tenant_id"], "eventCategory": "INVOICE", "resourceId": move.xero_invoice_id}
        self.env.flush_all()
        self.env.invalidate_all()
        before = self.env.cr.sql_log_count
        Event._xero_receive([event])
        self.assertEqual(self.run_job("events").events_count, 1)  # the organisation's events job (xero.job)
        self.env.flush_all()
        queries = self.env.cr.sql_log_count - before
        self.assertEqual(move.payment_state, "paid")
        return queries

    def history(self, count):
        """``count`` more invoices of the same client paid in full through Odoo's own payment wizard."""
        moves = self.env["account.move"].create(
            [
                {
                    "move_type": "out_invoice",
                    "partner_id": self.partner.id,
                    "invoice_line_ids": [(0, 0, {"name": f"Earlier {n}", "quantity": 1, "price_unit": 100})],
                }
                for n in range(count)
            ]
        )
        moves.action_post()
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=moves.ids, dont_redirect_to_payments=True
        ).create({"journal_id": self.bank.id, "group_payment": False})._create_payments()
        self.assertEqual(set(moves.mapped("payment_state")), {"paid"})

    def test_a_payment_costs_no_more_queries_with_more_payments_before_it(self):
        first, second, third = (self.pushed_invoice(100.0 + n) for n in range(3))
        self.paid_by_event(first)  # the first event of the transaction fills caches the others find
        before = self.env["account.payment"].search_count([])
        with_few = self.paid_by_event(second)
        self.history(15)
        self.assertEqual(self.env["account.payment"].search_count([]), before + 16)
        with_more = self.paid_by_event(third)
        self.assertEqual(with_more, with_few)
        payment = self.env["account.payment"].search([("xero_invoice_move_id", "=", third.id)])
        self.assertEqual((payment.amount, payment.journal_id), (third.amount_total, self.bank))
        self.assertEqual(third.amount_residual, 0)

    def test_documents_gone_at_xero_are_found_by_their_own_index(self):
        # every event fetch looks for them (xero.invoice.void._xero_follow_gone): without this index it reads every
        # document of the organisation (10,021 rows at 10,000 payments, bench/payment_history.py --explain)
        self.env.cr.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename = 'account_move' AND indexdef LIKE %s",
            ["%(xero_gone_at)%"],
        )
        [(definition,)] = self.env.cr.fetchall()
        self.assertIn("WHERE (xero_gone_at IS NOT NULL)", definition)
