"""A grant Xero no longer accepts, met in any room that calls Xero: the connection needs re-authorisation, its
administrators get one activity, and what the user was doing says so (one place: ``xero.service._xero_calls``)."""

import time

from odoo.exceptions import UserError
from odoo.tests import TransactionCase, tagged
from odoo.tools import mute_logger

from .invoice_common import XeroInvoiceMixin

SAY_SO = "Enable integration"  # the refusal names what an administrator must do


@tagged("post_install", "-at_install")
class TestRefusedGrant(XeroInvoiceMixin, TransactionCase):
    def setUp(self):
        super().setUp()
        self.pushed = self.posted_invoice()
        self.pushed.action_xero_push()
        self.assertTrue(self.pushed.xero_invoice_id)

    def refuse_the_grant(self):
        """At its next call Xero refuses the refresh token (revoked, or reused too late)."""
        self.connection.state = "connected"
        self.connection.sudo().token_id.sudo().write({"refresh_token": "revoked", "expires_at": time.time() - 10})

    def assertNeedsReauthorisation(self):
        self.assertEqual(self.connection.state, "needs_reauth")
        self.assertFalse(self.connection.sudo().token_id.sudo().refresh_token, "the dead grant is forgotten")
        reauth = self.env.ref("xero_timesync.mail_activity_type_xero_reauth")
        self.assertEqual(self.connection.activity_ids.activity_type_id, reauth)
        self.assertEqual(len(self.connection.activity_ids), 1, "one activity, whichever room met it first")

    @mute_logger("odoo.addons.xero_timesync.models.xero_service", "odoo.addons.xero_timesync.models.xero_tax_rate")
    def test_every_room_marks_the_connection_and_says_so(self):
        move = self.posted_invoice()
        self.refuse_the_grant()
        move.action_xero_push()
        self.assertNeedsReauthorisation()
        self.assertFalse(move.xero_invoice_id)
        self.assertIn(SAY_SO, move.xero_push_error)

        self.refuse_the_grant()
        with self.assertRaisesRegex(UserError, SAY_SO):
            self.pushed.button_cancel()
        self.assertNeedsReauthorisation()
        self.assertEqual(self.pushed.state, "posted")

        self.refuse_the_grant()
        with self.assertRaisesRegex(UserError, SAY_SO):
            self.env["xero.ledger"]._xero_compare_connection(self.connection)
        self.assertNeedsReauthorisation()

        self.refuse_the_grant()
        with self.assertRaisesRegex(UserError, SAY_SO):
            self.env["xero.tracking.mapping"]._xero_refresh_categories(self.connection)
        self.assertNeedsReauthorisation()

        self.refuse_the_grant()
        self.assertFalse(self.env["xero.tax.rate"]._xero_refresh(self.connection), "the stored rates are kept")
        self.assertNeedsReauthorisation()

        self.refuse_the_grant()
        accounts, warning = self.env["xero.account.mapping"]._xero_accounts(self.connection)
        self.assertTrue(warning)
        self.assertEqual(
            {code for _klass, code, _name in accounts},
            {self.connection.revenue_account_code, self.connection.expense_account_code},
            "the accounts chosen at Enable integration",
        )
        self.assertNeedsReauthorisation()
