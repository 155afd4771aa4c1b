"""Push to Xero looks a client up at Xero before creating its contact (issue 24, "the other direction")."""

from collections import Counter

from odoo.exceptions import AccessError
from odoo.tests import TransactionCase, new_test_user, tagged

from odoo.addons.xero_timesync.matching import normalise_email, normalise_name, normalise_vat

from .common import XeroSandboxCase
from .invoice_common import XeroInvoiceMixin

CONTACTS = "/api.xro/2.0/Contacts"


@tagged("post_install", "-at_install")
class TestMatching(TransactionCase):
    def test_names_differing_by_case_spacing_punctuation_or_legal_form_are_one(self):
        same = ["Acme Ltd", "ACME  Limited", "acme, inc.", "Acme Pty. Ltd.", "Acme GmbH", "Acme LLC", " acme "]
        self.assertEqual({normalise_name(name) for name in same}, {"acme"})
        self.assertEqual(normalise_name("Smith & Sons Pty Ltd"), normalise_name("smith and sons"))
        self.assertEqual(normalise_name("Café Noir Ltd"), "cafe noir")
        self.assertNotEqual(normalise_name("Acme Trading"), normalise_name("Acme"))
        self.assertEqual(normalise_name("Limited"), "limited", "a name is never reduced to nothing")
        self.assertEqual(normalise_name(False), "")

    def test_one_where_clause_per_client_keys(self):
        Partner = self.env["res.partner"]
        partners = Partner.create(
            [
                {"name": "Harbour Logistics Pty Ltd", "ref": 'R"1', "email": " AP@Harbour.example"},
                {"name": "J & K Ltd"},
                {"name": "..."},
            ]
        )
        [where] = self.env["xero.contact.lookup"]._xero_chains(partners, with_number=True)
        self.assertEqual(
            where,
            'ContactNumber=="R\\"1" OR EmailAddress=="AP@Harbour.example" OR Name.Contains("logistics")'
            ' OR Name=="J & K Ltd"',
        )

    def test_emails_and_tax_numbers(self):
        self.assertEqual(normalise_email("  AP@Acme.Example "), "ap@acme.example")
        self.assertEqual(normalise_email(None), "")
        self.assertEqual(normalise_vat("gb 123.456-78"), "GB12345678")
        self.assertEqual(normalise_vat(False), "")


@tagged("post_install", "-at_install")
class TestContactLookup(XeroInvoiceMixin, XeroSandboxCase):
    sandbox_options = {"contacts": 4, "seed": 5, "orgs": 1}

    def add_contact(self, name, email=None, number=None):
        fields = {"ContactNumber": number} if number else {}
        return self.sandbox.control.add_contact(self.tenant_id, name, email, fields=fields)["ContactID"]

    def seed(self):
        """250 customers in Odoo; 50 at Xero (15 by ContactNumber, 15 by e-mail, 20 by name), 5 ambiguous,
        195 missing (5 of them next to a Xero contact whose name only shares a word)."""
        Partner = self.env["res.partner"]
        vals, known, ambiguous = [], {}, {}
        for i in range(250):
            name = f"Client{i:03d} Trading Ltd"
            vals.append(
                {
                    "name": name,
                    "ref": f"C-{i:03d}" if i < 15 or i in (53, 60) else False,
                    "email": f"ap{i}@client{i}.example" if 15 <= i < 30 or i in (53, 54, 61) else False,
                }
            )
        partners = Partner.create(vals)
        for i, partner in enumerate(partners):
            if i < 15:
                known[partner] = self.add_contact(f"Client{i:03d} Holdings", number=f"C-{i:03d}")
            elif i < 30:
                known[partner] = self.add_contact(f"The Client{i:03d} Group", email=f"AP{i}@Client{i}.example")
            elif i < 50:
                known[partner] = self.add_contact(f"CLIENT{i:03d}  TRADING LIMITED")
            elif i < 53:  # two contacts whose names are the client's
                ambiguous[partner] = [
                    self.add_contact(f"Client{i:03d} Trading Pty Ltd"),
                    self.add_contact(f"client{i:03d} trading GmbH"),
                ]
            elif i == 53:  # the strong keys disagree
                ambiguous[partner] = [
                    self.add_contact("Number Holder", number="C-053"),
                    self.add_contact("Mail Holder", email="ap53@client53.example"),
                ]
            elif i == 54:  # one e-mail, two contacts
                ambiguous[partner] = [
                    self.add_contact("Client054 North", email="ap54@client54.example"),
                    self.add_contact("Client054 South", email="AP54@client54.example"),
                ]
            elif i < 60:  # shares a word only: not the client
                self.add_contact(f"Client{i:03d} Trading Services")
        return partners, known, ambiguous

    def test_push_links_the_contacts_xero_has_creates_the_missing_and_refuses_the_ambiguous(self):
        partners, known, ambiguous = self.seed()
        before = {c["ContactID"] for c in self.sandbox.control.contacts(self.tenant_id)}
        moves = (
            self.env["account.move"]
            .with_context(tracking_disable=True)
            .create(
                [
                    {
                        "move_type": "out_invoice",
                        "partner_id": partner.id,
                        "invoice_line_ids": [
                            (0, 0, {"name": "Consulting", "quantity": 1, "price_unit": 100.0, "tax_ids": []})
                        ],
                    }
                    for partner in partners
                ]
            )
        )
        moves.action_post()
        self.sandbox.control.clear_requests()

        moves.with_user(self.accountant).action_xero_push()

        after = self.sandbox.control.contacts(self.tenant_id)
        created = [c for c in after if c["ContactID"] not in before]
        self.assertEqual(len(created), 195, "exactly the missing contacts are created")
        for partner, contact_id in known.items():
            self.assertEqual(partner.xero_contact_id, contact_id, partner.name)
        for partner, candidates in ambiguous.items():
            move = moves.filtered(lambda m, p=partner: m.partner_id == p)
            self.assertFalse(partner.xero_contact_id)
            self.assertFalse(move.xero_invoice_id, "its invoice is not pushed")
            names = [c["Name"] for c in after if c["ContactID"] in candidates]
            for name in names:
                self.assertIn(name, move.xero_push_error, "the refusal names the candidates")
            self.assertEqual(len(partner.activity_ids), 1, "the accountant is asked to choose")
        pushed = moves.filtered("xero_invoice_id")
        self.assertEqual(len(pushed), 245, "the other invoices of the batch are pushed")
        linked = (partners - pushed.partner_id).filtered("xero_contact_id")
        self.assertFalse(linked)
        self.assertEqual({c["ContactID"] for c in created}, set(pushed.partner_id.mapped("xero_contact_id")) - before)
        by_name = Counter(normalise_name(c["Name"]) for c in after)
        duplicates = {name for name, count in by_name.items() if count > 1}
        self.assertEqual(duplicates, {normalise_name(p.name) for p in partners[50:53]}, "only Xero's own twins")

        calls = Counter(r["method"] for r in self.sandbox.control.requests(CONTACTS))
        chains = self.env["xero.contact.lookup"]._xero_chains(partners, with_number=True)
        self.assertEqual(calls, {"GET": len(chains), "PUT": 1})
        self.assertLessEqual(len(chains), 10, "one call for about 25 clients, not one per client")

        # pushing again asks nothing new of Xero's contacts and creates nothing
        self.sandbox.control.clear_requests()
        moves.with_user(self.accountant).action_xero_push()
        self.assertEqual(len(self.sandbox.control.contacts(self.tenant_id)), len(after))
        self.assertEqual(
            Counter(r["method"] for r in self.sandbox.control.requests(CONTACTS)), {"GET": 1}, "the 5 in conflict"
        )
        self.assertEqual(sum(len(p.activity_ids) for p in ambiguous), 5, "asked once")

    def test_high_volume_organisation_looks_numbers_up_by_search_term(self):
        self.sandbox.control.set_high_volume_threshold(self.tenant_id, 0)
        number = self.add_contact("Renamed At Xero", number="HV-1")
        self.add_contact("Other", number="HV-10")  # searchTerm contains "HV-1": not the client
        client = self.env["res.partner"].create({"name": "High Volume Client", "ref": "HV-1"})
        stranger = self.env["res.partner"].create({"name": "Nobody At Xero", "ref": "HV-2"})
        self.sandbox.control.clear_requests()

        self.posted_invoice(partner=client).action_xero_push()
        self.posted_invoice(partner=stranger).action_xero_push()

        self.assertEqual(client.xero_contact_id, number)
        self.assertTrue(stranger.xero_contact_id)
        self.assertNotEqual(stranger.xero_contact_id, number)
        gets = [r for r in self.sandbox.control.requests(CONTACTS) if r["method"] == "GET"]
        # per push: the where refused (400), the where without ContactNumber, one searchTerm
        self.assertEqual(len(gets), 6)

    def test_the_accountant_chooses_the_contact_and_the_next_push_uses_it(self):
        first = self.add_contact("Twin Co Ltd")
        self.add_contact("TWIN CO LIMITED")
        partner = self.env["res.partner"].create({"name": "Twin Co"})
        move = self.posted_invoice(partner=partner)
        move.with_user(self.accountant).action_xero_push()
        self.assertIn("TWIN CO LIMITED", move.xero_push_error)
        self.assertEqual(len(partner.activity_ids), 1)

        employee = new_test_user(self.env, "lookup_employee", groups="base.group_user")
        with self.assertRaises(AccessError):
            self.env["xero.contact.choose"].with_user(employee)._action_open(partner)
        action = self.env["xero.contact.choose"].with_user(self.accountant)._action_open(partner)
        wizard = self.env["xero.contact.choose"].with_user(self.accountant).browse(action["res_id"])
        self.assertEqual(len(wizard.line_ids), 2)
        wizard.line_id = wizard.line_ids.filtered(lambda line: line.contact_id == first)
        with self.assertRaises(AccessError):
            wizard.with_user(employee).action_confirm()
        self.assertFalse(partner.xero_contact_id)
        wizard.action_confirm()
        self.assertEqual(partner.xero_contact_id, first)
        self.assertFalse(partner.activity_ids, "the to-do is done")

        count = len(self.sandbox.control.contacts(self.tenant_id))
        move.with_user(self.accountant).action_xero_push()
        self.assertTrue(move.xero_invoice_id)
        self.assertEqual(self.xero_invoices()[-1]["Contact"]["ContactID"], first)
        self.assertEqual(len(self.sandbox.control.contacts(self.tenant_id)), count, "no contact created")

    def test_a_credit_note_finds_the_contact_of_a_client_unlinked_since_its_invoice(self):
        self.company.xero_push_status = "AUTHORISED"  # a credit note is allocated to an approved invoice
        partner = self.env["res.partner"].create({"name": "Refund Client Ltd", "email": "ap@refund.example"})
        move = self.posted_invoice(partner=partner)
        self.env["xero.invoice.sync"]._xero_push(move)
        contact_id = partner.xero_contact_id
        self.assertTrue(move.xero_invoice_id and contact_id)
        partner.sudo().xero_contact_id = False  # e.g. an admin unlinked it
        reversal = (
            self.env["account.move.reversal"]
            .with_context(active_model="account.move", active_ids=move.ids)
            .create({"journal_id": move.journal_id.id, "reason": "Wrong client"})
        )
        refund = self.env["account.move"].browse(reversal.refund_moves()["res_id"])
        refund.action_post()
        count = len(self.sandbox.control.contacts(self.tenant_id))

        self.assertIsNone(self.env["xero.invoice.sync"]._xero_push(refund)[refund])

        self.assertEqual(partner.xero_contact_id, contact_id)
        self.assertEqual(len(self.sandbox.control.contacts(self.tenant_id)), count, "no second contact")
        [note] = self.sandbox.control.credit_notes(self.tenant_id)
        self.assertEqual(note["Contact"]["ContactID"], contact_id)
