"""Module hooks."""

import logging

_logger = logging.getLogger(__name__)


def uninstall_hook(env):
    """Revoke every connection at Xero (best effort), then remove the addon's system parameters.

    Nothing here may block the uninstall: a Xero that cannot be reached, a grant already revoked or
    missing app credentials are logged, and the uninstall goes on (the tables holding the connection
    and its tokens are dropped by Odoo right after this hook).
    """
    connections = env["xero.connection"].sudo().with_context(active_test=False).search([])
    for connection in connections:
        if connection.state == "unlinked" or not connection.token_id.refresh_token:
            continue
        try:
            with env.cr.savepoint():
                env["xero.service"]._xero_revoke(connection, spare_others=False, max_retries=0, max_wait=0)
            _logger.info(
                "Uninstall: revoked the Xero connection of company %s (organisation %s)",
                connection.company_id.id,
                connection.tenant_id,
            )
        except Exception as error:  # noqa: BLE001 - best effort: the uninstall must go on
            _logger.warning(
                "Uninstall: could not revoke the Xero connection of company %s (%s: %s); "
                "remove the app in Xero under Settings → Connected apps",
                connection.company_id.id,
                type(error).__name__,
                error,
            )
    try:  # consents never saved: their grants go back to Xero too (their wizards' table goes with the addon)
        with env.cr.savepoint():
            env["xero.connect.wizard"].sudo().search([])._xero_release_grant(spare_others=False)
    except Exception as error:  # noqa: BLE001 - best effort: the uninstall must go on
        _logger.warning("Uninstall: could not revoke the grants of unsaved consents (%s)", type(error).__name__)
    params = env["ir.config_parameter"].sudo().search([("key", "=like", "xero_timesync.%")])
    _logger.info("Uninstall: removing %d system parameters xero_timesync.*", len(params))
    params.unlink()
