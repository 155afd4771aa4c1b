-- a copied database must never talk to the production Xero organisation, nor hold its grants and secrets
-- (Odoo's base neutralization also stops every scheduled job, the ones calling Xero included)
UPDATE xero_token SET access_token = NULL, refresh_token = NULL, expires_at = 0;
UPDATE xero_connection SET state = 'unlinked';
UPDATE xero_connect_wizard
   SET token_json = NULL, oauth_state = NULL, code_verifier = NULL, session_fingerprint = NULL, client_secret = NULL;
UPDATE res_config_settings SET xero_client_secret = NULL, xero_webhook_key = NULL;
DELETE FROM ir_config_parameter WHERE key IN ('xero_timesync.client_secret', 'xero_timesync.webhook_key');
