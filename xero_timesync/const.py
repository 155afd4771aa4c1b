"""Xero endpoints, scopes and limits (see docs/xero-api.md at the repository root)."""

DEFAULT_LOGIN_URL = "https://login.xero.com"
DEFAULT_IDENTITY_URL = "https://identity.xero.com"
DEFAULT_API_URL = "https://api.xero.com"

# System parameters that point the addon at another Xero (xero_sandbox in the demo and the tests).
PARAM_LOGIN_URL = "xero_timesync.login_url"
PARAM_IDENTITY_URL = "xero_timesync.identity_url"
PARAM_API_URL = "xero_timesync.api_url"
PARAM_CLIENT_ID = "xero_timesync.client_id"
PARAM_CLIENT_SECRET = "xero_timesync.client_secret"

# Least privilege: read contacts and settings, write invoices and credit notes (granular scope) and the
# contacts they need, read payments, attach the timesheet PDF to invoices, plus offline_access for a
# refresh token.
SCOPES = [
    "offline_access",
    "accounting.contacts",
    "accounting.settings.read",
    "accounting.invoices",
    "accounting.payments.read",
    "accounting.attachments",
]

OAUTH_CALLBACK_PATH = "/xero_timesync/oauth/callback"
# The web client's landing after the consent: Settings → Xero with the wizard on top (client action)
CONNECT_RETURN_URL = "/odoo/action-xero_connect_return"
OAUTH_STATE_TTL_SECONDS = 15 * 60

CONTACTS_PAGE_SIZE = 1000  # Xero's maximum since July 2024
PIPELINE_CONTACT_PAGES = True  # fetch the next page while this one is written (bench/sync_contacts.py turns it off)
INVOICES_BATCH_SIZE = 50  # Xero's recommended maximum elements per request
BILLING_RUN_CHUNK = 50  # clients a billing run invoices at once in the button's request (the rest: the job)
# clients the job invoices at once, between two commits: Odoo's account.move.create costs less an invoice the
# more it makes at once (bench/README.md, billing_run.py), its memory grows little (+19 MB for 500)
BILLING_RUN_JOB_CHUNK = 500
BILLING_RUN_JOB_CHUNK_SECONDS = 90  # the time left in the job's pass for such a chunk (18-54 s measured), else 50
TOKEN_REFRESH_MARGIN_SECONDS = 120  # refresh this long before the access token expires
SYNC_OVERLAP_SECONDS = 300  # If-Modified-Since safety overlap
SYNC_LOG_RETENTION_DAYS = 90
INTERACTIVE_SYNC_BUDGET_SECONDS = 45  # a button waits this long, then the cron continues the import
PARAM_WEBHOOK_KEY = "xero_timesync.webhook_key"
WEBHOOK_PATH = "/xero_timesync/webhook"
WEBHOOK_MAX_BODY_BYTES = 256 * 1024  # Xero's deliveries are a few KB; anything larger is refused unread
WEBHOOK_DELIVERY_RETENTION_DAYS = 7  # replays are recognised this long; a later one costs one idempotent run
# deliveries naming no organisation connected here are kept (for replays) up to this many, the oldest dropped
WEBHOOK_UNCONNECTED_DELIVERIES_MAX = 1000
WEBHOOK_DEBOUNCE_SECONDS = 2  # a woken job waits this long after the last delivery: one run per burst
JUST_SYNCED_SECONDS = 60  # a job woken again this soon after a webhook run, with nothing new, does nothing
SYNC_LOG_STALE_HOURS = 6  # a run still "running" after this long lost its worker
REFRESH_TOKEN_LIFETIME_DAYS = 60  # Xero forgets a refresh token unused this long
PAYMENTS_PAGE_SIZE = 1000  # GET /Payments and /CreditNotes pages (Xero's maximum)
INVOICE_IDS_PER_CALL = 50  # GET /Invoices?IDs=... per call
COMPARE_IDS_PER_CALL = 100  # documents per GET of "Compare with Xero" (as many as contacts per GET /Contacts?IDs=)
WHERE_IDS_PER_CALL = 40  # ids OR-chained in one `where` (100 GUIDs make a query of ~7.5 KB)
TIMESHEET_ATTACHMENT_NAME = "timesheets-{number}.pdf"
JOB_FAILURES_BEFORE_ACTIVITY = 3  # a flow failing this many runs in a row calls an administrator
PAYMENTS_PER_BATCH = 50  # payments or credit notes applied between two looks at the time left
EVENTS_PER_BATCH = 200  # webhook events fetched between two looks at the time left
SYNC_DUE_AFTER_MINUTES = 50  # the hourly safety net wakes an organisation whose job has not run this long
PREFETCH_TOKEN_MARGIN_SECONDS = 600  # a prefetched page never needs a refresh in its thread
MINUTE_LIMIT = 60  # Xero's calls per organisation per minute
DAILY_LIMIT = 5000  # Xero's calls per organisation per day above the Starter tier
PARAM_DAILY_LIMIT = "xero_timesync.daily_call_limit"  # 1000 for apps on Xero's Starter tier
XERO_TIMEOUT = (10, 60)  # connect, read (seconds) of every call to Xero
# a cron job's Xero calls end this long before Odoo's worker limits: time to write the last page and commit
CRON_WORK_MARGIN_SECONDS = 15
# Context key of the contact import's batched writes (project.task, res.partner). A hint for batching only:
# what may change imported structure is decided by ownership.integration_writes, never by the context.
CONTEXT_FROM_XERO = "xero_sync"
# Context of the writes coming from Xero (the contact import, the contact scope): no chatter noise, no
# followers, structure changes allowed.
IMPORT_CONTEXT = {
    CONTEXT_FROM_XERO: True,
    "tracking_disable": True,
    "mail_create_nolog": True,
    "mail_create_nosubscribe": True,
    "mail_notrack": True,
    "active_test": False,
}

# Who reads the internal Xero fields of invoices and companies (push errors, nonces, the organisation, accounts,
# money errors): Billing users, and Settings administrators (the push accepts them too). Not portal customers,
# auditors (Invoicing read-only) or other employees.
BILLING_GROUPS = "account.group_account_invoice,base.group_system"

# Connection states that hold their organisation: one company per organisation (an unlinked connection keeps its
# organisation's id to relink, and holds nothing)
LINKED_STATES = ("connected", "needs_reauth")

# Invoice time: how a client's time becomes invoice lines, and its rounding (the wizard's, a client's, the company's)
INVOICE_GROUPINGS = [
    ("task", "Per task"),
    ("project", "Per project"),
    ("employee", "Per employee"),
    ("day", "Per day"),
    ("entry", "Per time entry"),
    ("one", "One line"),
]
INVOICE_ROUNDINGS = [("0", "No rounding"), ("6", "Up to 6 minutes"), ("15", "Up to 15 minutes")]
# Xero Projects (issue 26): asked only of companies that switch it on (a reconnect grants it)
PROJECTS_SCOPES = ["projects"]
PROJECTS_PAGE_SIZE = 500  # GET /ProjectsUsers and /Tasks pages (the API's maximum)
PROJECTS_PER_BATCH = 50  # time entries pushed between two looks at the time left
