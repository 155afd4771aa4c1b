import logging
import time

from odoo import _, api, fields, models

from .. import const
from ..services.xero_client import XeroAuthError, XeroError

_logger = logging.getLogger(__name__)

# Context for writes coming from Xero: no chatter noise, no followers, structure changes allowed.
IMPORT_CONTEXT = {
    "xero_sync": True,
    "tracking_disable": True,
    "mail_create_nolog": True,
    "mail_create_nosubscribe": True,
    "mail_notrack": True,
    "active_test": False,
}
PARTNER_FIELDS = (
    "name",
    "email",
    "phone",
    "website",
    "vat",
    "street",
    "street2",
    "city",
    "zip",
    "country_id",
    "xero_contact_number",
)


class XeroContactImporter(models.AbstractModel):
    """Xero contacts → clients (res.partner) and tasks of the company's Xero project, a page at a time."""

    _name = "xero.contact.importer"
    _description = "Xero contact import"

    @api.model
    def _run(self, connection, trigger, time_budget=None):
        """Synchronize one connection; returns its sync log. Never raises for Xero failures."""
        log = self.env["xero.sync.log"].sudo().create({"connection_id": connection.id, "trigger": trigger})
        if not self._try_lock(connection):
            log.write({"state": "skipped", "message": _("Another synchronization of this organisation is running.")})
            return log
        connection.last_sync_log_id = log
        started = time.monotonic()
        client = None
        try:
            client = connection._xero_client()
            self._import_pages(connection, client, log, started, time_budget)
        except XeroAuthError as error:
            connection._xero_handle_auth_error(error)
            log.write({"state": "failed", "message": str(error)})
        except XeroError as error:
            log.write(
                {
                    "state": "failed",
                    "message": _("%s Nothing is lost: the next run resumes where this one stopped.", error),
                }
            )
        finally:
            self._unlock(connection)
            log.write({"duration": time.monotonic() - started, "api_calls": client.stats.calls if client else 0})
        return log

    def _import_pages(self, connection, client, log, started, time_budget):
        resuming = bool(connection.sync_resume_page)
        run_started = connection.sync_resume_started if resuming else fields.Datetime.now()
        if resuming:
            since = connection.sync_resume_since
        elif connection.contacts_watermark:
            since = connection.contacts_watermark - connection._xero_overlap()
        else:
            since = False
        connection.write({"sync_resume_started": run_started, "sync_resume_since": since})
        in_cron = bool(self.env.context.get("ir_cron_progress_id"))
        project = connection._xero_ensure_project()
        page_size = const.CONTACTS_PAGE_SIZE
        start_page = connection.sync_resume_page or 1
        for page, contacts, item_count in client.iter_contact_pages(since or None, page_size, start_page):
            with self.env.cr.savepoint():
                counts = self._import_contacts(connection, project, contacts)
                connection.write({"sync_resume_page": page + 1})
            log.write({"pages": log.pages + 1, "contacts_received": log.contacts_received + len(contacts)})
            log._add_counts(counts)
            # Xero's announced total when it gives one (a full last page is not "more"), else a full page
            more = page * page_size < item_count if item_count is not None else len(contacts) == page_size
            if in_cron:
                # commit each page (the next run resumes from here) and tell the scheduler what is left
                left = max(item_count - page * page_size, 0) if item_count else int(more)
                if self.env["ir.cron"]._commit_progress(len(contacts), remaining=left if more else 0) <= 0 and more:
                    log.write({"state": "partial", "message": _("Continuing in the next scheduled run.")})
                    return
            elif more and time_budget is not None and time.monotonic() - started > time_budget:
                log.write({"state": "partial", "message": _("Continuing in the background.")})
                self.env.ref("xero_timesync.ir_cron_xero_sync_contacts").sudo()._trigger()
                return
        connection.write(
            {
                "contacts_watermark": run_started,
                "sync_resume_page": 0,
                "sync_resume_since": False,
                "sync_resume_started": False,
            }
        )
        log.write({"state": "done"})
        if resuming and in_cron:  # a long import that started interactively has now finished
            connection._xero_notify_admins(_("Xero import finished"), log.summary)

    # -- one page ------------------------------------------------------------------------------
    @api.model
    def _import_contacts(self, connection, project, contacts):
        """Upsert one page of contacts with a constant number of queries (plus one write per change)."""
        counts = {"created": 0, "updated": 0, "archived": 0, "restored": 0}
        if not contacts:
            return counts
        env = self.with_context(**IMPORT_CONTEXT).env
        updated = set()  # a contact counts once, whether its client, its task or both changed
        partners = self._upsert_partners(env, connection, contacts, updated)
        self._upsert_tasks(env, connection, project, contacts, partners, counts, updated)
        counts["updated"] = len(updated)
        return counts

    def _upsert_partners(self, env, connection, contacts, updated):
        Partner = env["res.partner"].sudo()
        ids = [c.contact_id for c in contacts]
        existing = Partner.search_fetch(
            [("xero_contact_id", "in", ids), ("company_id", "in", [connection.company_id.id, False])],
            ["xero_contact_id", *PARTNER_FIELDS],
        )
        by_id = {p.xero_contact_id: p for p in existing}
        countries = self._country_lookup(env)
        to_create = []
        for contact in contacts:
            vals = self._partner_vals(contact, countries)
            partner = by_id.get(contact.contact_id)
            if partner is None:
                to_create.append(
                    {
                        **vals,
                        "xero_contact_id": contact.contact_id,
                        "company_id": connection.company_id.id,
                        "is_company": True,
                    }
                )
            elif changed := self._changed(partner, vals):
                partner.write(changed)
                updated.add(contact.contact_id)
        if to_create:
            # duplicate ContactIDs within one page (Xero never sends them; be safe) collapse to one
            unique = {vals["xero_contact_id"]: vals for vals in to_create}
            for partner in Partner.create(list(unique.values())):
                by_id[partner.xero_contact_id] = partner
        return by_id

    def _upsert_tasks(self, env, connection, project, contacts, partners, counts, updated):
        Task = env["project.task"].sudo()
        ids = [c.contact_id for c in contacts]
        existing = Task.search_fetch(
            [("xero_connection_id", "=", connection.id), ("xero_contact_id", "in", ids)],
            ["xero_contact_id", "name", "active", "partner_id", "project_id"],
        )
        by_id = {t.xero_contact_id: t for t in existing}
        to_create = {}
        for contact in contacts:
            task = by_id.get(contact.contact_id)
            partner = partners[contact.contact_id]
            if task is None:
                to_create[contact.contact_id] = {
                    "name": contact.name,
                    "project_id": project.id,
                    "partner_id": partner.id,
                    "xero_contact_id": contact.contact_id,
                    "xero_connection_id": connection.id,
                    "company_id": connection.company_id.id,
                    "active": not contact.archived,
                    "user_ids": False,
                }
                continue
            vals = {}
            if task.name != contact.name:
                vals["name"] = contact.name
            if task.partner_id != partner:
                vals["partner_id"] = partner.id
            if task.project_id != project:
                vals["project_id"] = project.id
            if task.active == contact.archived:
                vals["active"] = not contact.archived
                counts["archived" if contact.archived else "restored"] += 1
            if vals:
                task.write(vals)
                if vals.keys() - {"active"}:
                    updated.add(contact.contact_id)
        if to_create:
            Task.create(list(to_create.values()))
            counts["created"] += len(to_create)

    @api.model
    def _partner_vals(self, contact, countries):
        return {
            "name": contact.name,
            "email": contact.email or False,
            "phone": contact.phone or contact.mobile or False,
            "website": contact.website or False,
            "vat": contact.tax_number or False,
            "street": contact.street or False,
            "street2": contact.street2 or False,
            "city": contact.city or False,
            "zip": contact.zip or False,
            "country_id": countries.get((contact.country or "").strip().lower(), False),
            "xero_contact_number": contact.contact_number or False,
        }

    @staticmethod
    def _changed(record, vals):
        changed = {}
        for name, value in vals.items():
            current = record[name]
            current = current.id if hasattr(current, "_name") else current
            if (current or False) != (value or False):
                changed[name] = value
        return changed

    @api.model
    def _country_lookup(self, env):
        lookup = {}
        for country in env["res.country"].sudo().search_fetch([], ["code", "name"]):
            lookup[country.code.lower()] = country.id
            lookup[country.name.lower()] = country.id
        return lookup

    # -- one run at a time -------------------------------------------------------------------------
    # A session-level advisory lock: it survives the per-page commits of a cron run (a row lock would
    # not) and dies with the database connection if the worker does.
    def _lock_key(self, connection):
        return (0x58455230 << 16) + connection.id  # "XER0" namespace + connection id

    def _try_lock(self, connection):
        self.env.cr.execute("SELECT pg_try_advisory_lock(%s)", [self._lock_key(connection)])
        return self.env.cr.fetchone()[0]

    def _unlock(self, connection):
        self.env.cr.execute("SELECT pg_advisory_unlock(%s)", [self._lock_key(connection)])
