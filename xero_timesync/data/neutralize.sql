-- a copied database must never talk to the production Xero organisation
UPDATE xero_token SET access_token = NULL, refresh_token = NULL, expires_at = 0;
UPDATE xero_connection SET state = 'unlinked';
