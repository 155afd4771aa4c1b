from odoo.tests import HttpCase, tagged

from .common import XeroSandboxMixin
from .test_enable_tour import allow_access_user


@tagged("post_install", "-at_install")
class TestMatchReviewTour(XeroSandboxMixin, HttpCase):
    sandbox_options = {"contacts": 0, "seed": 5, "orgs": 1}
    sandbox_middleware = staticmethod(allow_access_user)

    def test_review_screen_in_the_browser(self):
        """Matched (with its key), New and Conflict before the first import; the admin resolves the conflict."""
        Partner = self.env["res.partner"]
        ana = Partner.create({"name": "Ana Consulting", "email": "ana@example.com", "is_company": True})
        twins = Partner.create([{"name": "Twin Ltd", "is_company": True}, {"name": "TWIN Limited", "is_company": True}])
        control = self.sandbox.control
        ana_id = control.add_contact(self.tenant_id, name="Ana Trading", email="ANA@example.com")["ContactID"]
        twin_id = control.add_contact(self.tenant_id, name="Twin")["ContactID"]
        control.add_contact(self.tenant_id, name="Brand new")
        self.start_tour("/odoo/action-xero_timesync.xero_settings_action", "xero_match_review", login="admin")
        self.assertEqual((ana.xero_contact_id, ana.xero_match_key), (ana_id, "email"))
        self.assertEqual((twins[1].xero_contact_id, twins[1].xero_match_key), (twin_id, "admin"))
        self.assertFalse(twins[0].xero_contact_id)
        self.assertEqual(Partner.search_count([("name", "=", "Brand new")]), 1)
        self.assertFalse(self.env["xero.contact.match"].search([("state", "=", "conflict")]))
