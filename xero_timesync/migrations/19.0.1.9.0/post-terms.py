"""19.0.1.9.0 (the client's own terms): clients imported before know nothing of their contact's sales terms at
Xero, and an incremental run brings only the contacts changed since. The next run of each organisation reads
every contact once more (no more calls than a first import: one per page), an import still under way included.
"""


def migrate(cr, version):
    if not version:
        return
    cr.execute("UPDATE xero_connection SET contacts_watermark = NULL WHERE contacts_watermark IS NOT NULL")
    cr.execute("UPDATE xero_connection SET sync_resume_since = NULL WHERE sync_resume_page > 0")
