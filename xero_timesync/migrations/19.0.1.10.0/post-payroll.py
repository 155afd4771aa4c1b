"""19.0.1.10.0 (Xero Payroll revisions): a timesheet sent before keeps what Xero holds as its latest revision, so
that the next correction is numbered after it; its Idempotency-Key is the period's own (already used)."""

UNRECORDED = """
    t.state = 'sent' AND t.xero_lines IS NOT NULL
    AND NOT EXISTS (SELECT 1 FROM xero_payroll_revision r WHERE r.timesheet_id = t.id)
"""


def migrate(cr, version):
    if not version:
        return
    cr.execute(
        f"UPDATE xero_payroll_timesheet t SET xero_revision = COALESCE(t.xero_revision, 0) + 1 WHERE {UNRECORDED}"
    )
    cr.execute(
        f"""
        INSERT INTO xero_payroll_revision
               (timesheet_id, company_id, number, xero_nonce, lines, hours, state, xero_status, message,
                create_uid, create_date, write_uid, write_date)
        SELECT t.id, t.company_id, t.xero_revision, t.xero_nonce,
               (SELECT COALESCE(jsonb_object_agg(key, value -> 1), '{{}}'::jsonb) FROM jsonb_each(t.xero_lines::jsonb)),
               (SELECT COALESCE(SUM((value ->> 1)::numeric), 0) FROM jsonb_each(t.xero_lines::jsonb)),
               'sent', t.xero_status, 'Sent before revisions were recorded.',
               t.write_uid, t.write_date, t.write_uid, t.write_date
          FROM xero_payroll_timesheet t
         WHERE {UNRECORDED}
        """
    )
