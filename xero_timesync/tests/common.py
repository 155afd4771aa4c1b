"""Tests run the addon's real code path (xero-python over HTTP) against an in-process xero_sandbox."""

import importlib.util
from contextlib import contextmanager
from pathlib import Path
from unittest.mock import patch
from urllib.parse import parse_qs, urlparse

from odoo.tests import TransactionCase

from odoo.addons.xero_timesync import const

from xero_sandbox.odoo_seam import point_odoo_at_sandbox
from xero_sandbox.testing import SandboxServer

CLIENT_ID = "test-client-id"
CLIENT_SECRET = "test-client-secret"
WEBHOOK_KEY = "webhook-signing-key-for-tests"


def load_migration(version, stage):
    """One of the addon's migration scripts (``migrations/<version>/<stage>.py``), to call its ``migrate``."""
    path = Path(__file__).parents[1] / "migrations" / version / f"{stage}.py"
    spec = importlib.util.spec_from_file_location(
        f"xero_timesync_{stage}_{version}".replace(".", "_").replace("-", "_"), path
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def query_of(url):
    return {key: values[0] for key, values in parse_qs(urlparse(url).query).items()}


def wizard_of_admin_session(case):
    """A connect wizard started in the admin's browser session, as the Connect to Xero button does (an HttpCase):
    ``(wizard, the consent URL)``."""
    case.authenticate("admin", "admin")
    wizard_id = case.make_jsonrpc_request(
        "/web/dataset/call_kw/xero.connect.wizard/create",
        {"model": "xero.connect.wizard", "method": "create", "args": [{}], "kwargs": {}},
    )
    action = case.make_jsonrpc_request(
        "/web/dataset/call_kw/xero.connect.wizard/action_connect",
        {"model": "xero.connect.wizard", "method": "action_connect", "args": [[wizard_id]], "kwargs": {}},
    )
    return case.env["xero.connect.wizard"].browse(wizard_id), action["url"]


class XeroSandboxMixin:
    """Starts one sandbox per test class, resets it before each test, points the addon at it."""

    sandbox_options = {"contacts": 25, "seed": 7, "orgs": 1}
    sandbox_middleware = None  # wraps the sandbox's WSGI app (e.g. a scripted user on the consent page)

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # token rotations run in their own cursor; in tests it must wrap the test transaction
        if not cls._registry_patched:  # HttpCase already did
            cls.registry_enter_test_mode_cls()
        redirect_uri = cls.env["xero.service"]._xero_redirect_uri()
        cls.sandbox = SandboxServer(
            client_id=CLIENT_ID,
            client_secret=CLIENT_SECRET,
            redirect_uris=[redirect_uri],
            wsgi_middleware=cls.sandbox_middleware,
            **cls.sandbox_options,
        )
        cls.sandbox.start()
        cls.addClassCleanup(cls.sandbox.stop)
        point_odoo_at_sandbox(cls.env, cls.sandbox.url, CLIENT_ID, CLIENT_SECRET)
        cls.tenant = cls.sandbox.tenants[0]
        cls.tenant_id = cls.tenant["tenant_id"]

    def setUp(self):
        super().setUp()
        # back to the seeded data, but grants issued in setUpClass stay valid
        self.sandbox.control.reset()

    # -- the admin's journey, server side (classmethods: usable in setUpClass) --------------------
    @classmethod
    def start_wizard(cls, company=None):
        company = company or cls.env.company
        return cls.env["xero.connect.wizard"].with_company(company).create({"company_id": company.id})

    @classmethod
    def consent(cls, wizard, tenant_ids=None, allow=True):
        """Connect to Xero → the sandbox's consent page → back to our callback logic."""
        action = wizard.action_connect()
        redirect = cls.sandbox.consent(action["url"], tenant_ids=tenant_ids, allow=allow)
        params = query_of(redirect)
        found = cls.env["xero.connect.wizard"]._from_oauth_state(params.get("state"))
        if found != wizard:
            raise AssertionError("the callback must find the wizard by its state")
        wizard._complete_oauth(code=params.get("code"), error=params.get("error"))
        return params

    @classmethod
    def connect(cls, company=None, tenant_ids=None):
        """Enable integration end to end (first import included); returns the connection."""
        wizard = cls.start_wizard(company)
        cls.consent(wizard, tenant_ids=tenant_ids)
        if wizard.step == "organisation":
            wizard.tenant_line_id = wizard.tenant_line_ids[:1]
            wizard.action_select_organisation()
        if wizard.step != "accounts":
            raise AssertionError(f"expected the accounts step, got {wizard.step}: {wizard.error_message}")
        wizard.action_save()
        if wizard.step != "done":
            raise AssertionError(f"Save did not finish: {wizard.step}")
        return cls.env["xero.connection"]._xero_for_company(wizard.company_id)

    @contextmanager
    def clients_sleep(self, sleep=lambda seconds: None):
        """Every Xero client the code under test builds waits with ``sleep`` (its ``sleep=``) instead of
        time.sleep: retries and rate-limit waits cost no time, and a test may record or fake them."""
        Service = type(self.env["xero.service"])
        new_client = Service._xero_new_client

        def new_client_with_sleep(model, *args, **options):
            return new_client(model, *args, **options, sleep=sleep)

        with patch.object(Service, "_xero_new_client", new_client_with_sleep):
            yield

    @classmethod
    def xero_tasks(cls, connection, active=None):
        domain = [("xero_connection_id", "=", connection.id)]
        if active is not None:
            domain.append(("active", "=", active))
        return cls.env["project.task"].with_context(active_test=False).search(domain)


class XeroSandboxCase(XeroSandboxMixin, TransactionCase):
    pass


class XeroWebhookMixin:
    """For HttpCase tests where Xero (the sandbox, or a plain HTTP client) posts to our webhook endpoint."""

    webhook_key = WEBHOOK_KEY

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["ir.config_parameter"].sudo().set_param(const.PARAM_WEBHOOK_KEY, cls.webhook_key)

    def setUp(self):
        super().setUp()
        # Xero posts without a session cookie: as in production, dbfilter must single out the database
        dbname = self.env.cr.dbname
        db_filter = patch("odoo.http.db_filter", lambda dbs, host=None: [db for db in dbs if db == dbname])
        db_filter.start()
        self.addCleanup(db_filter.stop)
        self.url = self.base_url() + const.WEBHOOK_PATH
        # Xero (the sandbox) calls us from outside the test's browser session
        self.enterContext(self.allow_requests(all_requests=True))
