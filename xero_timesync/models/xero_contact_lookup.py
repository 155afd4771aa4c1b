"""Before Push to Xero creates a contact: look the client up at Xero, link the one contact that is the client,
refuse when several could be, and create only what Xero does not have.

A client (commercial partner without ContactID) and a Xero contact are the same when they agree on a strong
key, the client's reference (Xero's ContactNumber) or the e-mail, else on the name as ``matching.normalise_name``
compares names. Several contacts for one client, or a contact that already is another client's, is a
conflict: nothing is guessed, the invoice is not pushed, and the accountant chooses (Action → Choose the Xero
contact, on the client).

One lookup pass per push, for all its clients: ``where`` clauses OR-chained, ``WHERE_CHARS`` characters a
call (``ContactNumber==`` / ``EmailAddress==`` / ``Name.Contains(longest word)`` per client). A high-volume
organisation refuses ContactNumber there (one refused call): the pass is then made without it, plus one
``searchTerm`` call per client with a reference that neither its e-mail nor its name found at Xero. Each call
reads every page of its answer (1,000 contacts a page).
"""

import re
from dataclasses import dataclass, field

from markupsafe import Markup

from odoo import _, api, models

from ..matching import LEGAL_SUFFIXES, normalise_email, normalise_name
from ..ownership import owned_writes
from ..services.errors import XeroValidationError

CHOOSE_ACTIVITY = "xero_timesync.mail_activity_type_xero_choose_contact"
WHERE_CHARS = 1000  # one GET /Contacts where clause: about 1,400 characters URL-encoded, under IIS's default 2,048
MIN_CONTAINS = 3  # a name whose longest word is shorter is looked up by its exact name
_WORDS = re.compile(r"[\W_]+")
_SUFFIX_WORDS = frozenset(word for suffix in LEGAL_SUFFIXES for word in suffix)


@dataclass
class ContactLookup:
    """The outcome of one pass: ``matched`` ``{partner: XeroContact}``, ``conflicts`` ``{partner: message}``,
    ``candidates`` ``{partner: [XeroContact]}`` (what matched any key), ``calls`` made."""

    matched: dict = field(default_factory=dict)
    conflicts: dict = field(default_factory=dict)
    candidates: dict = field(default_factory=dict)
    calls: int = 0


def _where_text(value):
    return str(value).replace("\\", "\\\\").replace('"', '\\"')


def name_word(name):
    """The longest word of a name that is not a legal form, as Xero's text holds it (``Name.Contains``)."""
    words = [w for w in _WORDS.sub(" ", (name or "").casefold()).split() if w not in _SUFFIX_WORDS]
    return max(words, key=len, default="")


class XeroContactLookup(models.AbstractModel):
    _name = "xero.contact.lookup"
    _description = "Xero contacts looked up before Push to Xero creates one"

    @api.model
    def _xero_keys(self, partner):
        return (
            (partner.ref or "").strip().casefold(),
            normalise_email(partner.email),
            normalise_name(partner.name),
        )

    @api.model
    def _xero_lookup(self, client, partners):
        """One pass for ``partners`` (see the module's docstring): a :class:`ContactLookup`."""
        keys = {partner: self._xero_keys(partner) for partner in partners}
        before = client.stats.calls
        contacts = self._xero_fetch(client, partners)
        result = ContactLookup()
        for partner, (number, email, name) in keys.items():
            strong = {
                c.contact_id: c
                for c in contacts
                if (number and (c.contact_number or "").strip().casefold() == number)
                or (email and normalise_email(c.email) == email)
            }
            named = {c.contact_id: c for c in contacts if name and normalise_name(c.name) == name}
            result.candidates[partner] = list({**strong, **named}.values())
            found = strong or named
            if len(found) == 1:
                result.matched[partner] = next(iter(found.values()))
            elif found:
                result.conflicts[partner] = _(
                    "Xero has several contacts that may be %(client)s: %(candidates)s. Choose the right one (Action →"
                    " Choose the Xero contact, on the client), then push again.",
                    client=partner.display_name,
                    candidates=self._xero_describe(found.values()),
                )
        self._xero_drop_taken(result)
        result.calls = client.stats.calls - before
        return result

    @api.model
    def _xero_drop_taken(self, result):
        """A contact already linked to another client, or matched by two clients of this push, links none."""
        ids = [contact.contact_id for contact in result.matched.values()]
        owners = {}
        for partner in (
            self.env["res.partner"].sudo().with_context(active_test=False).search([("xero_contact_id", "in", ids)])
        ):
            owners.setdefault(partner.xero_contact_id, partner)
        claimed = {}
        for partner, contact in result.matched.items():
            claimed.setdefault(contact.contact_id, []).append(partner)
        for partner, contact in list(result.matched.items()):
            others = [p for p in claimed[contact.contact_id] if p != partner]
            owner = owners.get(contact.contact_id)
            if owner is None and not others:
                continue
            del result.matched[partner]
            result.conflicts[partner] = _(
                "Xero's contact %(contact)s is the one of %(client)s, but it is already the Xero contact of"
                " %(other)s. Merge the two clients, or choose another contact (Action → Choose the Xero contact, on"
                " the client), then push again.",
                contact=self._xero_describe([contact]),
                client=partner.display_name,
                other=(owner or others[0]).display_name,
            )

    @api.model
    def _xero_fetch(self, client, partners):
        """The active Xero contacts that match any key of any partner (and a few more: filtered by the caller)."""
        found = {}
        try:
            for where in self._xero_chains(partners, with_number=True):
                found.update((c.contact_id, c) for c in client.find_contacts(where))
        except XeroValidationError as error:
            if error.code != "high_volume":
                raise
            for where in self._xero_chains(partners, with_number=False):
                found.update((c.contact_id, c) for c in client.find_contacts(where))
            emails = {normalise_email(c.email) for c in found.values()} - {""}
            names = {normalise_name(c.name) for c in found.values()} - {""}
            remaining = partners.filtered(
                lambda p: (p.ref or "").strip()
                and normalise_email(p.email) not in emails
                and normalise_name(p.name) not in names
            )
            for number in sorted({p.ref.strip() for p in remaining}):
                found.update((c.contact_id, c) for c in client.search_contacts(number))
        return list(found.values())

    @api.model
    def _xero_chains(self, partners, with_number):
        """``where`` clauses OR-chained, at most ``WHERE_CHARS`` characters each (a client's clauses stay in one)."""
        chains, current = [], []
        for partner in partners:
            clauses = []
            if with_number and (partner.ref or "").strip():
                clauses.append(f'ContactNumber=="{_where_text(partner.ref.strip())}"')
            if normalise_email(partner.email):
                clauses.append(f'EmailAddress=="{_where_text(partner.email.strip())}"')
            word = name_word(partner.name)
            if len(word) >= MIN_CONTAINS:
                clauses.append(f'Name.Contains("{_where_text(word)}")')
            elif word:  # "J & K Ltd": a one-letter Contains would read most of the organisation
                clauses.append(f'Name=="{_where_text(partner.name.strip())}"')
            if not clauses:
                continue
            if current and len(" OR ".join(current + clauses)) > WHERE_CHARS:
                chains.append(" OR ".join(current))
                current = []
            current += clauses
        if current:
            chains.append(" OR ".join(current))
        return chains

    @api.model
    def _xero_describe(self, contacts):
        """``"Acme Ltd (C-001, ap@acme.example); ACME Limited"``"""
        parts = []
        for contact in sorted(contacts, key=lambda c: (c.name.casefold(), c.contact_id)):
            keys = ", ".join(filter(None, (contact.contact_number, contact.email)))
            parts.append(f"{contact.name} ({keys})" if keys else contact.name)
        return "; ".join(parts)

    @api.model
    def _xero_link(self, links):
        """``{partner: XeroContact}``: the ContactID stored (Xero owns the field), a line in each client's chatter."""
        if not links:
            return
        with owned_writes():
            for partner, contact in links.items():
                partner.sudo().write({"xero_contact_id": contact.contact_id})  # one UPDATE per batch at flush
        partners = self.env["res.partner"].browse([p.id for p in links]).sudo()
        partners._message_log_batch(
            bodies={
                partner.id: self.env._(
                    "Linked to the Xero contact %(contact)s (%(id)s), found at Xero before pushing.",
                    contact=self._xero_describe([contact]),
                    id=contact.contact_id,
                )
                for partner, contact in links.items()
            }
        )

    @api.model
    def _xero_ask(self, conflicts):
        """One open to-do on each client in conflict, for the user who pushed (not repeated by the next push)."""
        kind = self.env.ref(CHOOSE_ACTIVITY)
        partners = self.env["res.partner"].browse([p.id for p in conflicts]).sudo()
        asked = set(
            self.env["mail.activity"]
            .sudo()
            .search(
                [("res_model", "=", "res.partner"), ("res_id", "in", partners.ids), ("activity_type_id", "=", kind.id)]
            )
            .mapped("res_id")
        )
        for partner, message in conflicts.items():
            if partner.id not in asked:
                partner.sudo().activity_schedule(
                    CHOOSE_ACTIVITY, note=Markup("<p>%s</p>") % message, user_id=self.env.uid
                )
