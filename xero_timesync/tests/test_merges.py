"""Xero merges contact A into B: A's work follows B, invoiced time stays where it was invoiced."""

from odoo.tests import TransactionCase, tagged

from .invoice_common import XeroInvoiceMixin


@tagged("post_install", "-at_install")
class TestMerges(XeroInvoiceMixin, TransactionCase):
    def task_of(self, contact_id):
        return (
            self.env["project.task"]
            .with_context(active_test=False)
            .search([("xero_contact_id", "=", contact_id), ("xero_connection_id", "=", self.connection.id)])
        )

    def test_a_merge_moves_uninvoiced_time_and_timers_and_keeps_invoiced_time(self):
        merged, survivor = self.task, self.task2
        self.company.xero_default_hourly_rate = 100.0
        invoiced = self.timesheet(2.0, task=merged, name="Invoiced")
        invoice = self.invoice_time(merged.partner_id)
        self.assertEqual(invoiced.sudo().xero_billed_move_id, invoice)
        open_time = self.timesheet(1.5, task=merged, name="Not invoiced yet")
        timer = self.env["xero.timer"].sudo().create({"task_id": merged.id, "user_id": self.accountant.id})

        self.sandbox.control.merge_contact(self.tenant["tenant_id"], merged.xero_contact_id, survivor.xero_contact_id)
        log = self.env["xero.contact.sync"]._xero_sync(self.connection, "manual")
        self.assertEqual((log.state, log.merged_count), ("done", 1), log.message)
        self.assertIn("1 merged", log.summary)

        self.assertFalse(merged.active)
        self.assertEqual(merged.xero_merged_into_id, survivor)
        self.assertEqual(merged.partner_id.xero_merged_into_id, survivor.partner_id)
        self.assertTrue(merged.partner_id.active, "the client stays")
        self.assertEqual(open_time.task_id, survivor)
        self.assertEqual(invoiced.task_id, merged, "invoiced time stays where it was invoiced")
        self.assertEqual(timer.task_id, survivor)
        for task in (merged, survivor):
            self.assertIn("merged", task.message_ids[:1].body)

        # the merged contact comes again in the overlap window
        again = self.env["xero.contact.sync"]._xero_sync(self.connection, "manual")
        self.assertEqual((again.state, again.merged_count), ("done", 0), "followed once")

    def test_a_merge_into_a_contact_never_imported_imports_it_first(self):
        control = self.sandbox.control
        merged, survivor_id = self.task, self.task2.xero_contact_id
        # the survivor is unknown here and unchanged at Xero: no incremental page will bring it
        self.task2.with_context(xero_sync=True).write({"xero_contact_id": False})
        self.task2.partner_id.write({"xero_contact_id": False})
        control.merge_contact(self.tenant["tenant_id"], merged.xero_contact_id, survivor_id)
        log = self.env["xero.contact.sync"]._xero_sync(self.connection, "manual")
        self.assertEqual(log.state, "done", log.message)
        survivor = self.task_of(survivor_id)
        self.assertEqual(len(survivor), 1)
        self.assertEqual(merged.xero_merged_into_id, survivor)
        by_id = [r for r in control.requests("/api.xro/2.0/Contacts") if "IDs=" in (r["query"] or "")]
        self.assertEqual(len(by_id), 1, "fetched by id")
