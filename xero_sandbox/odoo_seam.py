"""The one seam between the sandbox and the addon: point an Odoo database's Xero URLs at a sandbox.

Used by ``./dev demo``, the tests and the benchmarks; production code never calls it. Only system
parameters change (the addon's documented configuration), so the addon runs exactly as against Xero.
"""

from .config import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET

URL_PARAMETERS = ("xero_timesync.login_url", "xero_timesync.identity_url", "xero_timesync.api_url")


def point_odoo_at_sandbox(env, sandbox_url, client_id=DEMO_CLIENT_ID, client_secret=DEMO_CLIENT_SECRET):
    """``env``: an Odoo environment of the database to point at ``sandbox_url``, with the app's credentials."""
    params = env["ir.config_parameter"].sudo()
    for key in URL_PARAMETERS:
        params.set_param(key, sandbox_url)
    params.set_param("xero_timesync.client_id", client_id)
    params.set_param("xero_timesync.client_secret", client_secret)
