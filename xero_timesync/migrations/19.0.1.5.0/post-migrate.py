"""19.0.1.5.0: every pushed document remembers its Xero organisation (``account.move.xero_tenant_id``, issue 22).

Documents pushed before were all pushed to the organisation their company's connection holds now (a company
could not connect another organisation while it had pushed documents' clients active, and the connection keeps
its organisation when unlinked): they get that one. Switching organisations later leaves them with theirs.
"""

import logging

_logger = logging.getLogger(__name__)


def migrate(cr, version):
    if not version:
        return
    cr.execute(
        """
        UPDATE account_move move
           SET xero_tenant_id = connection.tenant_id
          FROM xero_connection connection
         WHERE connection.company_id = move.company_id
           AND connection.tenant_id IS NOT NULL
           AND move.xero_invoice_id IS NOT NULL
           AND move.xero_tenant_id IS NULL
        """
    )
    _logger.info("Xero organisation recorded on %s pushed invoices and credit notes", cr.rowcount)
