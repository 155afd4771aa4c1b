"""Which Xero contacts become work: the connection's contact scope (all contacts, customers only, or chosen
contact groups).

A run marks every contact it reads in or out of scope (``ScopedContacts``); out-of-scope tasks are archived,
never deleted, and a scope change archives or restores tasks from what was imported. See README "Which
contacts become work".
"""

from dataclasses import replace

from odoo import api, models

from ..const import IMPORT_CONTEXT


class ScopedContacts:
    """The client, with every contact it reads marked in or out of the connection's contact scope."""

    def __init__(self, client, rule):
        self._client = client
        self._rule = rule

    def __getattr__(self, name):
        return getattr(self._client, name)

    def _scoped(self, contacts):
        return [
            c if self._rule(c.contact_id, c.is_customer, c.is_supplier) else replace(c, in_scope=False)
            for c in contacts
        ]

    def iter_contact_pages(self, *args, **kwargs):
        for page, contacts, item_count in self._client.iter_contact_pages(*args, **kwargs):
            yield page, self._scoped(contacts), item_count

    def contacts_by_ids(self, contact_ids):
        return self._scoped(self._client.contacts_by_ids(contact_ids))


class XeroContactScope(models.AbstractModel):
    """A connection's contact scope: its rule, its imported tasks in or out of it, archiving and restoring
    them when the scope changes, and the counts a choice would give. Every method takes the connection it
    works for, except the live preview, which reads Xero before there is one.
    """

    _name = "xero.contact.scope"
    _description = "Xero contact scope"

    @api.model
    def _xero_scope_rule(self, connection, client, scope=None, groups=None):
        """``in_scope(contact_id, is_customer, is_supplier)`` for the connection's (or the given) scope.
        Group scopes read their members from Xero: one call per chosen group."""
        scope = scope or connection.contact_scope
        if scope == "customers":
            return lambda contact_id, is_customer, is_supplier: is_customer or not is_supplier
        if scope == "groups":
            group_ids = (groups if groups is not None else connection.contact_group_ids).mapped("xero_group_id")
            members = client.contact_group_members(group_ids)
            return lambda contact_id, is_customer, is_supplier: contact_id in members
        return lambda contact_id, is_customer, is_supplier: True

    @api.model
    def _xero_scoped_tasks(self, connection, rule):
        """``[(task, in_scope)]`` for every imported task of the connection, archived ones included."""
        tasks = (
            self.env["project.task"]
            .sudo()
            .with_context(**IMPORT_CONTEXT)
            .search_fetch(
                [("xero_connection_id", "=", connection.id), ("xero_contact_id", "!=", False)],
                ["xero_contact_id", "active", "xero_archived", "xero_out_of_scope", "partner_id"],
            )
        )
        return [
            (task, rule(task.xero_contact_id, task.partner_id.xero_is_customer, task.partner_id.xero_is_supplier))
            for task in tasks
        ]

    @api.model
    def _xero_apply_scope(self, connection, rule=None, reread=True):
        """Archive the tasks the scope leaves out and restore those it brings back, from what was imported;
        with ``reread`` the next run reads every contact again so that Xero's latest customer flags decide.
        Returns the counts."""
        connection.ensure_one()
        if not rule:
            with self.env["xero.service"]._xero_calls(connection) as client:
                rule = self._xero_scope_rule(connection, client)
        scoped = self._xero_scoped_tasks(connection, rule)
        Task = self.env["project.task"].sudo().with_context(**IMPORT_CONTEXT)
        flag_changes = {True: [], False: []}
        out, back = [], []
        for task, in_scope in scoped:
            if task.xero_out_of_scope == in_scope:
                flag_changes[not in_scope].append(task.id)
            if task.active and not in_scope:
                out.append(task.id)
            elif not task.active and in_scope and not task.xero_archived:
                back.append(task.id)
        for out_of_scope, ids in flag_changes.items():
            Task.browse(ids).write({"xero_out_of_scope": out_of_scope})
        Task.browse(out).write({"active": False})
        Task.browse(back).write({"active": True})
        if reread:
            connection.write({"contacts_watermark": False, "sync_resume_page": 0})
        return {"archived": len(out), "restored": len(back)}

    @api.model
    def _xero_scope_preview(self, connection, scope, groups):
        """``(contacts, tasks)``: active contacts imported, and how many of them the scope makes tasks."""
        connection.ensure_one()
        with self.env["xero.service"]._xero_calls(connection) as client:
            rule = self._xero_scope_rule(connection, client, scope, groups)
        scoped = self._xero_scoped_tasks(connection, rule)
        current = [in_scope for task, in_scope in scoped if not task.xero_archived]
        return len(current), sum(current)

    @api.model
    def _xero_live_scope_preview(self, client, scope, groups):
        """``(contacts, tasks)`` read from Xero before anything is imported: 1 call for all contacts, a page
        per 1,000 contacts for customers, one call per group for groups."""
        pages = client.iter_active_contact_pages()
        if scope == "all":
            contacts, item_count = next(pages, ([], 0))
            return (item_count if item_count is not None else len(contacts)), (item_count or len(contacts))
        if scope == "groups":
            members = client.contact_group_members(groups.mapped("xero_group_id"))
            contacts, item_count = next(pages, ([], 0))
            return (item_count if item_count is not None else len(contacts)), len(members)
        total = in_scope = 0
        for contacts, _count in pages:
            total += len(contacts)
            in_scope += sum(1 for c in contacts if c.is_customer or not c.is_supplier)
        return total, in_scope
