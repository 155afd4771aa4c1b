"""19.0.1.6.0: one company per Xero organisation (a unique index on the organisation of linked connections).

A database where several companies linked the same organisation keeps the oldest link (the earliest connected);
the others are unlinked here, before the index is created, so that the upgrade goes through. Their tokens are
forgotten, not revoked: the grant may be the one the kept company uses (a Xero grant is per user and app).
The post-migrate script gives each an activity saying why. Imported records stay; nothing is called at Xero.
"""

import logging

_logger = logging.getLogger(__name__)

DETACHED_PARAM = "xero_timesync.migration_1_6_0_detached"


def migrate(cr, version):
    if not version:
        return
    cr.execute(
        """
        WITH ranked AS (
            SELECT id, row_number() OVER (PARTITION BY tenant_id ORDER BY connected_since NULLS LAST, id) AS rank
              FROM xero_connection
             WHERE tenant_id IS NOT NULL AND state IN ('connected', 'needs_reauth')
        )
        UPDATE xero_connection connection
           SET state = 'unlinked', sync_resume_page = 0
          FROM ranked
         WHERE ranked.id = connection.id AND ranked.rank > 1
     RETURNING connection.id
        """
    )
    detached = [row[0] for row in cr.fetchall()]
    if not detached:
        return
    cr.execute(
        "UPDATE xero_token SET access_token = NULL, refresh_token = NULL, expires_at = 0 WHERE connection_id IN %s",
        [tuple(detached)],
    )
    cr.execute(
        """
        INSERT INTO ir_config_parameter (key, value, create_date, write_date)
        VALUES (%s, %s, now() at time zone 'UTC', now() at time zone 'UTC')
        ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value
        """,
        [DETACHED_PARAM, ",".join(map(str, detached))],
    )
    _logger.warning(
        "Xero connections %s unlinked: their organisation is linked to another company, which keeps it", detached
    )
