from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL

from .. import matching

MATCH_KEYS = [
    ("contact_number", "Contact number"),
    ("account_number", "Account number"),
    ("vat", "Tax number"),
    ("email", "E-mail"),
    ("name", "Name"),
    ("admin", "Chosen by an administrator"),
]


class XeroContactMatch(models.Model):
    """A Xero contact the import would not link or create by itself, or an administrator's decision about one.

    ``conflict``: several clients (or contacts) agree on the same key; nothing is created until an administrator
    chooses. ``link``: link the contact to ``partner_id`` at the next import. ``new``: give it a client of its own.
    ``refused``: never link it to ``partner_id`` again (a match refused on the review screen or undone later).
    """

    _name = "xero.contact.match"
    _description = "Xero contact to match"
    _order = "id desc"
    _rec_name = "name"

    connection_id = fields.Many2one("xero.connection", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="connection_id.company_id", store=True)
    xero_contact_id = fields.Char("ContactID", required=True, readonly=True, index=True)
    name = fields.Char("Xero contact", readonly=True)
    state = fields.Selection(
        [("conflict", "Conflict"), ("link", "Link"), ("new", "Client of its own"), ("refused", "Match refused")],
        required=True,
        readonly=True,
    )
    match_key = fields.Selection(MATCH_KEYS, "Key", readonly=True)
    partner_id = fields.Many2one("res.partner", "Client", readonly=True, ondelete="cascade", index="btree_not_null")
    candidate_ids = fields.Many2many(
        "res.partner", "xero_contact_match_candidate_rel", "match_id", "partner_id", "Candidates", readonly=True
    )
    refetch = fields.Boolean(readonly=True, help="Fetched again by id at the next synchronization.")
    resolve_partner_id = fields.Many2one(
        "res.partner",
        "Link to",
        domain="[('id', 'in', candidate_ids)]",
        help="The client this Xero contact is, among the candidates.",
    )

    # -- what the import asks ----------------------------------------------------------------------
    @api.model
    def _xero_candidates(self, company, contact_keys):
        """{partner id: keys} of the clients that could be these contacts, in one query.

        Commercial entities only (no parent): a Xero contact is a customer or supplier as a whole, and Odoo
        invoices the commercial partner. Users' and companies' own partners are never candidates, nor a client
        already linked to a Xero contact. PostgreSQL narrows by every key (the name through its stored
        normalised column); Python compares the normalised keys.
        """
        values = {key: sorted({keys[key] for keys in contact_keys.values() if keys.get(key)}) for key in matching.KEYS}
        refs = sorted(set(values["contact_number"]) | set(values["account_number"]))
        if not any((refs, values["vat"], values["email"], values["name"])):
            return {}
        self.env["res.partner"].flush_model(["ref", "vat", "email", "name", "xero_match_name", "xero_contact_id"])
        self.env.cr.execute(
            SQL(
                """
                SELECT p.id, p.ref, p.vat, p.email, p.name
                  FROM res_partner p
                 WHERE p.active AND p.parent_id IS NULL AND p.xero_contact_id IS NULL
                   AND (p.company_id = %(company)s OR p.company_id IS NULL)
                   AND NOT EXISTS (SELECT 1 FROM res_users u WHERE u.partner_id = p.id)
                   AND NOT EXISTS (SELECT 1 FROM res_company c WHERE c.partner_id = p.id)
                   AND (lower(trim(p.ref)) = ANY(%(refs)s)
                        OR lower(trim(p.email)) = ANY(%(emails)s)
                        OR regexp_replace(regexp_replace(upper(p.vat), '[^0-9A-Z]+', '', 'g'),
                                          '^[A-Z]{2}(?=[0-9])', '') = ANY(%(vats)s)
                        OR p.xero_match_name = ANY(%(names)s))
                """,
                company=company.id,
                refs=refs,
                emails=values["email"],
                vats=values["vat"],
                names=values["name"],
            )
        )
        return {
            pid: matching.partner_keys(ref, vat, email, name) for pid, ref, vat, email, name in self.env.cr.fetchall()
        }

    @api.model
    def _xero_plan(self, connection, company, contacts):
        """{ContactID: matching.Match} for contacts no client of ``company`` has yet, with the decisions
        stored for ``connection`` (none before the first Save)."""
        decisions = self._xero_decisions(connection, [c.contact_id for c in contacts])
        auto = {c.contact_id: matching.contact_keys(c) for c in contacts if c.contact_id not in decisions.decided}
        plan = matching.match_contacts(auto, self._xero_candidates(company, auto), decisions.refused)
        free = self._xero_free_partners(company, [partner_id for partner_id, _key in decisions.links.values()])
        for contact_id, (partner_id, key) in decisions.links.items():
            if partner_id in free:
                plan[contact_id] = matching.Match("matched", key or "admin", partner_id, [partner_id])
            else:  # the chosen client was linked or archived meanwhile: the rules decide again
                plan[contact_id] = self._xero_plan_one(company, contacts, contact_id, decisions.refused)
        for contact_id in decisions.new:
            plan[contact_id] = matching.Match("new")
        for contact_id, row in decisions.conflicts.items():
            plan[contact_id] = matching.Match("conflict", row.match_key, 0, row.candidate_ids.ids)
        return plan

    def _xero_plan_one(self, company, contacts, contact_id, refused):
        contact = next(c for c in contacts if c.contact_id == contact_id)
        keys = {contact_id: matching.contact_keys(contact)}
        return matching.match_contacts(keys, self._xero_candidates(company, keys), refused)[contact_id]

    @api.model
    def _xero_free_partners(self, company, partner_ids):
        """Those of ``partner_ids`` that may still be linked: active, unlinked, of this company or none."""
        if not partner_ids:
            return set()
        return set(
            self.env["res.partner"]
            .sudo()
            .search(
                [
                    ("id", "in", list(partner_ids)),
                    ("xero_contact_id", "=", False),
                    ("company_id", "in", [company.id, False]),
                ]
            )
            .ids
        )

    @api.model
    def _xero_decisions(self, connection, contact_ids):
        rows = self.sudo().search([("connection_id", "=", connection.id), ("xero_contact_id", "in", contact_ids)])
        return _Decisions(rows)

    @api.model
    def _xero_record_plan(self, connection, contacts, plan):
        """After an import: applied links and new clients are done, conflicts are listed (once per contact)."""
        contact_ids = [c.contact_id for c in contacts]
        rows = self.sudo().search(
            [
                ("connection_id", "=", connection.id),
                ("xero_contact_id", "in", contact_ids),
                ("state", "in", ("link", "new", "conflict")),
            ]
        )
        by_contact = {row.xero_contact_id: row for row in rows}
        names = {c.contact_id: c.name for c in contacts}
        done = self.browse()
        new_conflicts = []
        for contact_id, match in plan.items():
            row = by_contact.get(contact_id)
            if match.state != "conflict":
                done |= row or self.browse()
            elif not row:
                new_conflicts.append(
                    {
                        "connection_id": connection.id,
                        "xero_contact_id": contact_id,
                        "name": names.get(contact_id),
                        "state": "conflict",
                        "match_key": match.key,
                        "candidate_ids": [fields.Command.set(match.candidate_ids)],
                    }
                )
        done.unlink()
        self.sudo().create(new_conflicts)
        self.sudo().search(
            [("connection_id", "=", connection.id), ("xero_contact_id", "in", contact_ids), ("refetch", "=", True)]
        ).write({"refetch": False})

    @api.model
    def _xero_refetch_ids(self, connection):
        """Contacts to fetch again by id: an incremental run would not bring them (unchanged at Xero)."""
        rows = self.sudo().search([("connection_id", "=", connection.id), ("refetch", "=", True)])
        return list(dict.fromkeys(rows.mapped("xero_contact_id")))

    # -- the administrator's decisions -----------------------------------------------------------------
    def _check_admin(self):
        """Settings administrators, and of these rows' companies (the decisions then run as the system)."""
        if not self.env.user.has_group("base.group_system"):
            raise AccessError(_("Only an administrator can decide which client a Xero contact is."))
        self.check_access("write")

    def action_xero_link_chosen(self):
        """Link each conflict to the client chosen in “Link to”; the next synchronization applies it."""
        self._check_admin()
        for row in self.sudo():
            if row.state != "conflict":
                continue
            if row.resolve_partner_id not in row.candidate_ids:
                raise UserError(_("Choose the client of “%s” among its candidates.", row.name))
            row.write({"state": "link", "partner_id": row.resolve_partner_id.id, "match_key": "admin", "refetch": True})
        return self._xero_sync_after_decision()

    def action_xero_own_client(self):
        """Give each of these Xero contacts a client of its own at the next synchronization."""
        self._check_admin()
        self.sudo().filtered(lambda row: row.state == "conflict").write({"state": "new", "refetch": True})
        return self._xero_sync_after_decision()

    def _xero_sync_after_decision(self):
        for connection in self.sudo().connection_id:
            self.env["xero.contact.sync"]._xero_wake(connection)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": _("Decided. The next synchronization (starting now) applies it."),
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    @api.model
    def _xero_remember(self, connection, decisions):
        """Store the review screen's decisions: [(ContactID, name, state, partner id, key, candidate ids)]."""
        self.sudo().create(
            [
                {
                    "connection_id": connection.id,
                    "xero_contact_id": contact_id,
                    "name": name,
                    "state": state,
                    "partner_id": partner_id or False,
                    "match_key": key or False,
                    "candidate_ids": [fields.Command.set(candidate_ids)],
                }
                for contact_id, name, state, partner_id, key, candidate_ids in decisions
            ]
        )


class _Decisions:
    """The stored decisions about some contacts, by kind."""

    def __init__(self, rows):
        self.links = {r.xero_contact_id: (r.partner_id.id, r.match_key) for r in rows if r.state == "link"}
        self.new = {r.xero_contact_id for r in rows if r.state == "new"}
        self.conflicts = {r.xero_contact_id: r for r in rows if r.state == "conflict"}
        self.refused = {(r.xero_contact_id, r.partner_id.id) for r in rows if r.state == "refused"}
        self.decided = self.links.keys() | self.new | self.conflicts.keys()
