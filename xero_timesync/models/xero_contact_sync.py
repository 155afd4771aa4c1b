import logging
import time
from contextlib import contextmanager, nullcontext
from datetime import timedelta

import psycopg2

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

from .. import const
from ..const import IMPORT_CONTEXT
from ..import_speedups import batch_defaults, skip_recomputation
from ..locks import advisory_lock, is_concurrency_error
from ..services.errors import XeroAuthError, XeroError, XeroRateLimitError, XeroTimeUp
from ..services.paging import prefetch_one_ahead
from .xero_contact_scope import ScopedContacts

_logger = logging.getLogger(__name__)

# Errors PostgreSQL raises because of another transaction: never a contact's fault; the request is retried.
# What Odoo or PostgreSQL answer when one contact cannot be stored (NUL bytes, a refused tax number, an
# index entry too large...): that contact is refused, the rest of its page is imported.
CONTACT_REFUSALS = (psycopg2.Error, ValueError, ValidationError, UserError)

COUNTS = ("created", "updated", "archived", "restored", "matched", "conflicts")

# What Xero's contact fills on an existing client that lacks it, when they are linked.
LINK_FILLS = ("email", "phone", "website", "vat")

# the contact's own sales terms: Xero's, written on every client linked to a contact (README "The client's own
# terms"); they come in the same pages as the rest of the contact
TERMS_FIELDS = (
    "xero_payment_terms_day",
    "xero_payment_terms_type",
    "xero_default_currency",
    "xero_sales_tax_type",
    "xero_sales_account_code",
    "xero_sales_tracking",
    "xero_branding_theme_uuid",
    "xero_branding_theme_name",
    "xero_discount",
)

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
    "xero_is_customer",
    "xero_is_supplier",
    *TERMS_FIELDS,
)


class XeroContactSync(models.AbstractModel):
    """Xero contacts → clients (res.partner) and tasks of the company's Xero project, a page at a time.

    Everything about a connection's contact synchronization lives here: its runs (one at a time, resumed
    page by page from the connection's watermark), its scheduler jobs and its project; which contacts become
    work is ``xero.contact.scope``'s. Every method takes the connection it works for.
    """

    _name = "xero.contact.sync"
    _description = "Xero contact synchronization"

    @api.model
    def _xero_sync(self, connection, trigger, time_budget=None, queued_after=0):
        """Synchronize one connection; returns its sync log, which ends done, partial, failed or skipped.

        Never raises, except a concurrency error of an interactive request's own transaction: Odoo
        then retries the whole request with a fresh snapshot. ``queued_after`` is how many other
        organisations the cron still has to synchronize after this one (its progress report).
        """
        in_cron = self.env["ir.cron"]._xero_in_job()
        Log = self.env["xero.sync.log"].sudo()
        Service = self.env["xero.service"]
        with self._exclusive(connection, across_commits=in_cron) as locked:
            if not locked:
                return Log.create(
                    {
                        "connection_id": connection.id,
                        "trigger": trigger,
                        "state": "skipped",
                        "message": self._who_is_running(connection),
                    }
                )
            log = Log.create({"connection_id": connection.id, "trigger": trigger})
            job = self.env["xero.job"]._xero_job(connection, "contacts")
            job._xero_close_interrupted_runs(log)
            connection.last_sync_log_id = log
            self.env["xero.webhook.delivery"].sudo()._consume(connection.tenant_id)
            if in_cron:
                self.env["ir.cron"]._commit_progress(remaining=1 + queued_after)  # the run is visible to all
            started = time.monotonic()
            client = None
            try:
                # interactive: an unexpected failure undoes this run's half-written page, not its log
                with nullcontext() if in_cron else self.env.cr.savepoint():
                    client = Service._xero_client(connection)
                    self._sync_scoped(connection, client, log, started, time_budget, queued_after)
            except XeroAuthError as error:
                Service._xero_handle_auth_error(connection, error)
                log.write({"state": "failed", "message": str(error)})
            except Exception as error:  # noqa: BLE001  every run must end with a state and a reason
                if is_concurrency_error(error) and not in_cron:
                    raise
                if in_cron:
                    self.env.cr.rollback()  # the page in progress; committed pages stay
                _logger.exception("Xero synchronization of company %s failed", connection.company_id.id)
                log.write({"state": "failed", "message": self._failure_message(error)})
            log.write({"duration": time.monotonic() - started, "api_calls": client.stats.calls if client else 0})
            Service._xero_record_health(connection, client)
            job._xero_count_run(log)
            if in_cron:
                self._report_progress(log, queued_after)
            return log

    def _report_progress(self, log, queued_after):
        """A partial run goes on in this pass of the scheduler while its time lasts, else in the next pass."""
        Cron = self.env["ir.cron"]
        if log.state == "partial" and Cron._xero_out_of_time():
            Cron._xero_continue_later(processed=1)
        else:
            Cron._commit_progress(1, remaining=(log.state == "partial") + queued_after)

    def _sync_scoped(self, connection, client, log, started, time_budget, queued_after):
        """Retry the contacts refused before, then the pages; Xero failures end the run as failed."""
        try:
            Scope = self.env["xero.contact.scope"]
            rule = Scope._xero_scope_rule(connection, client)
            client = ScopedContacts(client, rule)
            self._retry_refused(connection, client, log)
            self._import_pages(connection, client, log, started, time_budget, queued_after)
            if log.state == "done" and connection.contact_scope == "groups":
                # joining or leaving a group does not change the contact at Xero: no page brings it
                log._add_counts(Scope._xero_apply_scope(connection, rule, reread=False))
        except XeroAuthError:
            raise
        except XeroTimeUp as error:  # before Odoo's worker limits: the committed pages stay, the next turn resumes
            log.write({"state": "partial", "message": str(error)})
        except XeroError as error:
            if isinstance(error, XeroRateLimitError) and error.problem == "day":
                self.env["xero.service"]._xero_quota_exhausted(connection, error)
            log.write(
                {
                    "state": "failed",
                    "message": _("%s Nothing is lost: the next run resumes where this one stopped.", error),
                }
            )

    @api.model
    def _failure_message(self, error):
        if isinstance(error, UserError):  # ValidationError included
            return str(error)
        return _(
            "Unexpected error (%(kind)s): %(error)s. Nothing is lost: the next run resumes where this one stopped.",
            kind=type(error).__name__,
            error=str(error)[:500],
        )

    def _import_pages(self, connection, client, log, started, time_budget, queued_after):
        resuming = bool(connection.sync_resume_page)
        run_started = connection.sync_resume_started if resuming else fields.Datetime.now()
        if resuming:
            since = connection.sync_resume_since
        elif connection.contacts_watermark:
            since = connection.contacts_watermark - self._xero_overlap()
        else:
            since = False
        connection.write({"sync_resume_started": run_started, "sync_resume_since": since})
        in_cron = self.env["ir.cron"]._xero_in_job()
        project = self._xero_ensure_project(connection)
        page_size = const.CONTACTS_PAGE_SIZE
        start_page = connection.sync_resume_page or 1
        forget_refusals = bool(connection.refusal_ids)
        pages = client.iter_contact_pages(since or None, page_size, start_page)
        if const.PIPELINE_CONTACT_PAGES and not self._cursors_share_a_connection():
            pages = prefetch_one_ahead(pages, before_fetch=client.refresh_ahead)
        for page, contacts, item_count in pages:
            counts = self._import_page(connection, project, contacts, log, forget_refusals)
            self._follow_merges(connection, client, project, contacts, log)
            connection.write({"sync_resume_page": page + 1})
            log.write({"pages": log.pages + 1, "contacts_received": log.contacts_received + len(contacts)})
            log._add_counts(counts)
            self.env.invalidate_all()  # flushed: keep a page, not the whole organisation, in memory
            # Xero's announced total when it gives one (a full last page is not "more"), else a full page
            more = page * page_size < item_count if item_count is not None else len(contacts) == page_size
            if in_cron:
                # commit each page (the next run resumes from here) and tell the scheduler what is left:
                # this organisation's contacts and the organisations queued after it
                left = (max(item_count - page * page_size, 0) if item_count else 1) if more else 0
                Cron = self.env["ir.cron"]
                slice_left = Cron._commit_progress(len(contacts), remaining=left + queued_after)
                if more and (slice_left <= 0 or Cron._xero_out_of_time()):
                    log.write({"state": "partial", "message": _("Continuing in the next scheduled run.")})
                    return
            elif more and time_budget is not None and time.monotonic() - started > time_budget:
                log.write({"state": "partial", "message": _("Continuing in the background.")})
                self._xero_wake(connection)
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
            self.env["xero.service"]._xero_notify_admins(connection, _("Xero import finished"), log.summary)

    def _cursors_share_a_connection(self):
        """Odoo's test mode hands out cursors on the test's one connection (an instance attribute patched
        over Registry.cursor): no thread may then work beside this one."""
        return "cursor" in vars(self.env.registry)

    def _retry_refused(self, connection, client, log):
        """Contacts refused by earlier runs come again by id: Xero's If-Modified-Since would not resend them."""
        refused_ids = connection.refusal_ids.mapped("xero_contact_id")
        refused_ids += self.env["xero.contact.match"]._xero_refetch_ids(connection)
        if refused_ids:
            project = self._xero_ensure_project(connection)
            log._add_counts(self._import_page(connection, project, client.contacts_by_ids(refused_ids), log, True))

    # -- merges -----------------------------------------------------------------------------------
    def _follow_merges(self, connection, client, project, contacts, log):
        """Contacts Xero merged into another: their task points at the survivor's, their uninvoiced time
        and running timers move there, their client is marked merged. Idempotent."""
        merges = {c.contact_id: c.merged_to for c in contacts if c.merged_to and c.merged_to != c.contact_id}
        if not merges:
            return
        Task = self.env["project.task"].sudo().with_context(**IMPORT_CONTEXT)
        tasks = self._tasks_by_contact(Task, connection, set(merges) | set(merges.values()))
        missing = set(merges.values()) - tasks.keys()
        if missing:  # a survivor this organisation never sent us yet: import it first
            log._add_counts(self._import_page(connection, project, client.contacts_by_ids(missing), log, False))
            tasks = self._tasks_by_contact(Task, connection, set(merges) | set(merges.values()))
        followed = 0
        for merged_id, survivor_id in merges.items():
            merged, survivor = tasks.get(merged_id), tasks.get(survivor_id)
            if merged and survivor and merged.xero_merged_into_id != survivor:
                self._merge_task(merged, survivor)
                followed += 1
        if followed:
            log.merged_count += followed

    @staticmethod
    def _tasks_by_contact(Task, connection, contact_ids):
        tasks = Task.search([("xero_connection_id", "=", connection.id), ("xero_contact_id", "in", list(contact_ids))])
        return {task.xero_contact_id: task for task in tasks}

    def _merge_task(self, merged, survivor):
        timesheets = (
            self.env["account.analytic.line"]
            .sudo()
            .search([("task_id", "=", merged.id), ("xero_billed_move_line_id", "=", False)])
        )
        timers = self.env["xero.timer"].sudo().search([("task_id", "=", merged.id)])
        timesheets.write({"task_id": survivor.id, "project_id": survivor.project_id.id})
        timers.write({"task_id": survivor.id})
        merged.write({"xero_merged_into_id": survivor.id})
        if merged.partner_id and merged.partner_id != survivor.partner_id:
            merged.partner_id.write({"xero_merged_into_id": survivor.partner_id.id})
        moved = _(
            "%(timesheets)s uninvoiced timesheet(s) and %(timers)s running timer(s)",
            timesheets=len(timesheets),
            timers=len(timers),
        )
        merged.message_post(
            body=_(
                "Xero merged this contact into “%(survivor)s”: %(moved)s moved there.",
                survivor=survivor.name,
                moved=moved,
            )
        )
        survivor.message_post(
            body=_("Xero merged “%(merged)s” into this contact: %(moved)s moved here.", merged=merged.name, moved=moved)
        )

    def _import_page(self, connection, project, contacts, log, forget_refusals):
        """One page in a savepoint; a page PostgreSQL or Odoo refuses is split until the culprits are found."""
        refused = {}
        counts = self._import_refusing(connection, project, contacts, refused)
        Refusal = self.env["xero.contact.refusal"].sudo()
        if refused:
            Refusal._record(connection, log, refused)
            log.refused_count = Refusal.search_count([("log_id", "=", log.id)])
            _logger.warning(
                "Xero import of company %s refused %s contact(s): %s",
                connection.company_id.id,
                len(refused),
                ", ".join(refused),
            )
        if forget_refusals:
            Refusal._forget(connection, {c.contact_id for c in contacts} - refused.keys())
        return counts

    def _import_refusing(self, connection, project, contacts, refused):
        try:
            with self.env.cr.savepoint():
                return self._import_contacts(connection, project, contacts)
        except CONTACT_REFUSALS as error:
            if is_concurrency_error(error):
                raise
            if len(contacts) == 1:
                refused[contacts[0].contact_id] = (contacts[0].name, self._refusal_reason(error))
                return dict.fromkeys(COUNTS, 0)
        half = len(contacts) // 2
        first = self._import_refusing(connection, project, contacts[:half], refused)
        second = self._import_refusing(connection, project, contacts[half:], refused)
        return {key: first[key] + second[key] for key in first}

    @staticmethod
    def _refusal_reason(error):
        if isinstance(error, psycopg2.Error):
            return (error.diag.message_primary or str(error)).strip()
        return str(error.args[0] if getattr(error, "args", None) else error).strip()

    # -- one page ------------------------------------------------------------------------------
    @api.model
    def _import_contacts(self, connection, project, contacts):
        """Upsert one page of contacts with a constant number of queries (plus one write per change)."""
        counts = dict.fromkeys(COUNTS, 0)
        if not contacts:
            return counts
        env = self.with_context(**IMPORT_CONTEXT).env
        updated = set()  # a contact counts once, whether its client, its task or both changed
        with batch_defaults():  # Odoo asks for the same defaults once per record
            partners = self._upsert_partners(env, connection, contacts, updated, counts)
            self._upsert_tasks(env, connection, project, contacts, partners, counts, updated)
        counts["updated"] = len(updated)
        return counts

    def _match_unknown(self, env, connection, contacts, countries, by_id, counts):
        """Contacts no client has yet: link those an existing client matches (``by_id`` gets them), list the
        conflicts; returns the plan ({ContactID: matching.Match}, "new" for anything else)."""
        if not contacts:
            return {}
        Match_ = env["xero.contact.match"].sudo()
        plan = Match_._xero_plan(connection, connection.company_id, contacts)
        matched = {c.contact_id: c for c in contacts if plan[c.contact_id].state == "matched"}
        partners = env["res.partner"].sudo().browse([plan[cid].partner_id for cid in matched])
        partners.fetch(PARTNER_FIELDS)
        for partner, (contact_id, contact) in zip(partners, matched.items(), strict=True):
            partner.write(self._link_vals(partner, contact, countries, plan[contact_id].key))
            by_id[contact_id] = partner
        # recompute (without chatter tracking: the import's context) and write the page's links in one go
        partners.flush_recordset()
        Match_._xero_record_plan(connection, contacts, plan)
        counts["matched"] += len(matched)
        counts["conflicts"] += sum(match.state == "conflict" for match in plan.values())
        return plan

    def _link_vals(self, partner, contact, countries, key):
        """Linking an existing client: Xero's e-mail, phone, website and tax number fill what the client lacks;
        what Odoo knows is kept, its address included (Xero's later changes update it as for any client).
        Address fields are left out because res.partner.write then searches snail mail letters per client."""
        vals = {
            name: value
            for name, value in self._partner_vals(contact, countries).items()
            if name in LINK_FILLS and value and not partner[name]
        }
        return {
            **vals,
            "xero_contact_id": contact.contact_id,
            "xero_match_key": key,
            "xero_contact_number": contact.contact_number or False,
            "xero_is_customer": contact.is_customer,
            "xero_is_supplier": contact.is_supplier,
            **self._terms_vals(contact),
        }

    @api.model
    def _terms_vals(self, contact):
        """The contact's own sales terms as the client keeps them (``TERMS_FIELDS``)."""
        return {
            "xero_payment_terms_day": contact.payment_terms_day,
            "xero_payment_terms_type": contact.payment_terms_type or False,
            "xero_default_currency": contact.default_currency or False,
            "xero_sales_tax_type": contact.sales_tax_type or False,
            "xero_sales_account_code": contact.sales_account_code or False,
            "xero_sales_tracking": [list(pair) for pair in contact.sales_tracking] or False,
            "xero_branding_theme_uuid": contact.branding_theme_id or False,
            "xero_branding_theme_name": contact.branding_theme_name or False,
            "xero_discount": contact.discount,
        }

    def _upsert_partners(self, env, connection, contacts, updated, counts):
        Partner = env["res.partner"].sudo()
        ids = [c.contact_id for c in contacts]
        existing = Partner.search_fetch(
            [("xero_contact_id", "in", ids), ("company_id", "in", [connection.company_id.id, False])],
            ["xero_contact_id", *PARTNER_FIELDS],
        )
        by_id = {p.xero_contact_id: p for p in existing}
        countries = self._country_lookup(env)
        unknown = [c for c in contacts if c.contact_id not in by_id]
        plan = self._match_unknown(env, connection, unknown, countries, by_id, counts)
        to_create = []
        for contact in contacts:
            vals = self._partner_vals(contact, countries)
            partner = by_id.get(contact.contact_id)
            if contact.contact_id in plan:
                if plan[contact.contact_id].state != "new":
                    continue  # linked above, or a conflict listed for an administrator: nothing to create
                partner = None
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
            # new companies without parent or children: res.partner's per-record address and commercial
            # sync (_fields_sync, which asks for every default again) has nothing to do, as for data files
            creating = Partner.with_context(_partners_skip_fields_sync=True)
            created = creating.create(list(unique.values()))
            # image.mixin's four stored sizes of image_1920: a client created without an image has none
            skip_recomputation(created, ("image_1024", "image_512", "image_256", "image_128"))
            for partner in created:
                by_id[partner.xero_contact_id] = partner
        return by_id

    def _upsert_tasks(self, env, connection, project, contacts, partners, counts, updated):
        """A task per contact, active while the contact is active at Xero and in the connection's scope."""
        Task = env["project.task"].sudo()
        ids = [c.contact_id for c in contacts]
        existing = Task.search_fetch(
            [("xero_connection_id", "=", connection.id), ("xero_contact_id", "in", ids)],
            ["xero_contact_id", "name", "active", "partner_id", "project_id", "xero_archived", "xero_out_of_scope"],
        )
        by_id = {t.xero_contact_id: t for t in existing}
        to_create = {}
        for contact in contacts:
            task = by_id.get(contact.contact_id)
            partner = partners.get(contact.contact_id)
            if partner is None:  # a conflict: no client, no task, until an administrator decides
                continue
            active = not contact.archived and contact.in_scope
            if task is None:
                to_create[contact.contact_id] = {
                    "name": contact.name,
                    "project_id": project.id,
                    "partner_id": partner.id,
                    "xero_contact_id": contact.contact_id,
                    "xero_connection_id": connection.id,
                    "company_id": connection.company_id.id,
                    "active": active,
                    "xero_archived": contact.archived,
                    "xero_out_of_scope": not contact.in_scope,
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
            if task.xero_archived != contact.archived:
                vals["xero_archived"] = contact.archived
            if task.xero_out_of_scope == contact.in_scope:
                vals["xero_out_of_scope"] = not contact.in_scope
            if task.active != active:
                vals["active"] = active
                counts["restored" if active else "archived"] += 1
            if vals:
                task.write(vals)
                if vals.keys() - {"active", "xero_archived", "xero_out_of_scope"}:
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
            "xero_is_customer": contact.is_customer,
            "xero_is_supplier": contact.is_supplier,
            **self._terms_vals(contact),
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
    def _lock_key(self, connection):
        return (0x58455230 << 16) + connection.id  # "XER0" namespace + connection id

    @contextmanager
    def _exclusive(self, connection, across_commits=False):
        """Yield whether this run may synchronize ``connection``: one run per organisation, all workers
        (``locks.advisory_lock``)."""
        with advisory_lock(self.env, self._lock_key(connection), across_commits) as locked:
            if locked:
                self._check_fresh_snapshot(connection)
            yield locked

    def _check_fresh_snapshot(self, connection):
        """Lock the connection row for this run; if the previous run committed after this transaction's
        snapshot was taken, PostgreSQL raises a serialization failure and Odoo retries the request."""
        self.env.flush_all()
        self.env.cr.execute("SELECT id FROM xero_connection WHERE id = %s FOR NO KEY UPDATE", [connection.id])
        connection.invalidate_recordset()

    def _who_is_running(self, connection):
        running = (
            self.env["xero.sync.log"]
            .sudo()
            .search(
                [("connection_id", "=", connection.id), ("flow", "=", "contacts"), ("state", "=", "running")], limit=1
            )
        )
        if not running:
            return _("Another synchronization of this organisation is running; try again in a moment.")
        return _(
            "Another synchronization of this organisation is running (%(trigger)s, started %(start)s by %(user)s).",
            trigger=dict(running._fields["trigger"]._description_selection(self.env)).get(running.trigger),
            start=fields.Datetime.to_string(running.started_at),
            user=running.create_uid.name,
        )

    @api.model
    def _xero_overlap(self):
        return timedelta(seconds=const.SYNC_OVERLAP_SECONDS)

    # -- Force synchronization -------------------------------------------------------------------
    @api.model
    def _xero_force_sync(self, connection):
        """Synchronize now and report; a long first import continues in the background."""
        connection._check_xero_admin()
        if not connection or connection.ensure_one().state != "connected":
            raise UserError(_("The Xero integration is not connected; enable it first."))
        # a button's request, whatever its caller puts in the context: never a cron run that commits its pages
        interactive = self.sudo().with_context(ir_cron_progress_id=False)
        log = interactive._xero_sync(connection.sudo(), "manual", time_budget=const.INTERACTIVE_SYNC_BUDGET_SECONDS)
        return log._notification_action()

    @api.model
    def _xero_force_sync_current_company(self):
        """Force synchronization from the Timesheets app or the Xero project: the current company's."""
        Connection = self.env["xero.connection"]
        Connection._check_xero_admin()
        connection = Connection._xero_for_company()
        if not connection:
            raise UserError(
                _("Xero is not connected for %s yet: Settings → Xero → Enable integration.", self.env.company.name)
            )
        return connection.with_env(self.env).action_xero_force_sync()

    @api.model
    def _xero_contacts_changed_at_xero(self, tenant_ids):
        """A verified webhook (already recorded as pending): wake those organisations' jobs now (Odoo notifies
        its cron workers only for due triggers). No Xero call and no write on the connection here."""
        Connection = self.env["xero.connection"].sudo()
        for connection in Connection.search([("state", "=", "connected"), ("tenant_id", "in", list(tenant_ids))]):
            self._xero_wake(connection)

    # -- each organisation its own job on Odoo's scheduler -----------------------------------------
    # N cron threads on M servers synchronize up to N×M organisations at once; a slow or failing one
    # only holds its own job, and its progress report concerns it alone.
    @api.model
    def _xero_ensure_cron(self, connection):
        """The connection's job (``xero.job``, flow ``contacts``, the connection's ``sync_cron_id``), created on
        first use. It stays active and returns at once while the connection is not connected (a job cannot be
        changed while it runs, e.g. when its grant dies)."""
        connection.ensure_one()
        return self.env["xero.job"]._xero_ensure_cron(connection, "contacts").cron_id

    @api.model
    def _xero_cron_code(self, connection):
        return f"model._cron_xero_sync_connection({connection.id})"

    @api.model
    def _xero_wake(self, connection, at=None):
        """Run the organisation's job now (or at ``at``), on whichever cron thread is free."""
        self._xero_ensure_cron(connection)._trigger(at)

    @api.model
    def _cron_xero_sync_connection(self, connection_id):
        """One organisation's job: hourly, on its webhooks, and again at once while an import continues."""
        connection = self.env["xero.connection"].sudo().browse(connection_id).exists()
        if connection.state != "connected":  # it waits, without a call, for Enable integration
            return
        if self.env["ir.cron"]._xero_out_of_time():  # the jobs before this one used this pass's time
            self.env["ir.cron"]._xero_continue_later()
            return
        last = connection.last_sync_log_id
        pending = self.env["xero.webhook.delivery"].sudo()._last_pending(connection.tenant_id)
        if (
            not pending
            and last.trigger == "webhook"
            and last.state != "partial"
            and (fields.Datetime.now() - last.started_at).total_seconds() < const.JUST_SYNCED_SECONDS
        ):
            return  # woken again by a burst of deliveries that the last run already covered
        if pending:  # let the rest of a burst arrive: one run covers it (the run starts a fresh snapshot)
            time.sleep(max(const.WEBHOOK_DEBOUNCE_SECONDS - (fields.Datetime.now() - pending).total_seconds(), 0))
        self.sudo()._xero_sync(connection, "webhook" if pending else "cron")

    @api.model
    def _cron_xero_sync_contacts(self):
        """Hourly safety net: every connected organisation has its active job, and those with work waiting
        (announced changes, an import to continue, no run for an interval) are woken."""
        for connection in self.env["xero.connection"].sudo().search([("state", "=", "connected")]):
            self._xero_ensure_cron(connection)
        for connection in self._xero_due_connections():
            self._xero_wake(connection)

    @api.model
    def _xero_due_connections(self, connections=None):
        """Connected organisations (these, or all) with something to do: announced changes, an import to
        continue, or no attempt for ``SYNC_DUE_AFTER_MINUTES`` (so a failed run waits for the next hour)."""
        cutoff = fields.Datetime.now() - timedelta(minutes=const.SYNC_DUE_AFTER_MINUTES)
        pending = self.env["xero.webhook.delivery"].sudo()._pending_tenants()
        connections = (
            connections.sudo().filtered(lambda c: c.state == "connected")
            if connections
            else self.env["xero.connection"].sudo().search([("state", "=", "connected")])
        )
        due = connections.filtered(
            lambda c: c.tenant_id in pending
            or not c.last_sync_log_id
            or c.last_sync_log_id.state == "partial"
            or c.last_sync_log_id.started_at <= cutoff
        )
        return due.sorted(lambda c: (bool(c.last_sync_log_id), c.last_sync_log_id.started_at or fields.Datetime.now()))

    # -- the company's Xero project ----------------------------------------------------------------
    @api.model
    def _xero_ensure_project(self, connection):
        """The company's "Xero" project, created on first use and relinked on re-enable."""
        connection.ensure_one()
        Project = self.env["project.project"].sudo().with_context(mail_create_nosubscribe=True)
        project = connection.project_id
        if not project:
            project = Project.with_context(active_test=False).search(
                [("xero_connection_id", "=", connection.id)], limit=1
            )
        if not project:
            project = Project.create(
                {
                    "name": "Xero",
                    "company_id": connection.company_id.id,
                    "xero_connection_id": connection.id,
                    "is_xero_project": True,
                    "allow_timesheets": True,
                    # "Invited internal users": members follow the project (see xero.project.member)
                    "privacy_visibility": "followers",
                }
            )
            project._xero_assign_all_internal_users()
        if not project.active:
            project.active = True
        if connection.project_id != project:
            connection.project_id = project
        return project
