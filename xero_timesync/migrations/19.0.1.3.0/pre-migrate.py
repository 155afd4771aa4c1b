"""19.0.1.3.0: names that explain themselves (issue 17), renamed in place so no data moves.

- ``account.analytic.line.xero_invoice_id`` (an Odoo invoice) → ``xero_billed_move_id``; on
  ``account.move`` the name ``xero_invoice_id`` stays the Xero InvoiceID.
- ``xero_time_rounding`` (invoice time rounding, company and invoice) → ``xero_invoice_rounding``,
  no longer two letters away from the timer's ``xero_timer_rounding``.
- ``xero.invoice.push`` (a ledger of attempts) → ``xero.push.attempt``.
- ``group_xero_manager`` (not the project role "Manager") → ``group_xero_admin``.

Columns, tables, sequences and indexes are renamed, and the registry rows (``ir_model``,
``ir_model_fields`` and their XML ids) follow, so the update neither drops a column nor re-creates a
field and its selection values (whose removal would blank the records that use them); the stored views
of the renamed field's model follow too (the update validates each reloaded view with its children).
"""

import logging

from odoo.tools import SQL
from odoo.tools.sql import column_exists, rename_column, table_exists

_logger = logging.getLogger(__name__)

MODULE = "xero_timesync"
FIELD_RENAMES = [
    ("account.analytic.line", "xero_invoice_id", "xero_billed_move_id"),
    ("res.company", "xero_time_rounding", "xero_invoice_rounding"),
    ("account.move", "xero_time_rounding", "xero_invoice_rounding"),
    ("res.config.settings", "xero_time_rounding", "xero_invoice_rounding"),
]
MODEL_RENAMES = [("xero.invoice.push", "xero.push.attempt")]
XMLID_RENAMES = [
    ("res.groups", "group_xero_manager", "group_xero_admin"),
    ("ir.model.access", "access_xero_invoice_push_invoice", "access_xero_push_attempt_invoice"),
    *(
        ("ir.model.access", f"access_xero_{model}_manager", f"access_xero_{model}_admin")
        for model in ("connection", "sync_log", "contact_refusal", "contact_group")
    ),
]


def migrate(cr, version):
    if not version:
        return
    for old, new in MODEL_RENAMES:
        rename_model(cr, old, new)
    for model, old, new in FIELD_RENAMES:
        rename_field(cr, model, old, new)
    for model, old, new in XMLID_RENAMES:
        rename_xmlid(cr, model, old, new)


def _underscored(model):
    return model.replace(".", "_")


def _like_prefix(prefix):
    """A LIKE pattern for names starting with ``prefix`` (whose underscores are literal, not wildcards)."""
    return prefix.replace("_", r"\_") + "%"


def _rename_xmlid_prefix(cr, model, old_prefix, new_prefix):
    cr.execute(
        """UPDATE ir_model_data SET name = %s || substr(name, %s)
            WHERE module = %s AND model = %s AND name LIKE %s""",
        [new_prefix, len(old_prefix) + 1, MODULE, model, _like_prefix(old_prefix)],
    )


def _rename_indexes(cr, table, old_prefix, new_prefix):
    cr.execute(
        "SELECT indexname FROM pg_indexes WHERE tablename = %s AND indexname LIKE %s",
        [table, _like_prefix(old_prefix)],
    )
    for (index,) in cr.fetchall():
        renamed = new_prefix + index[len(old_prefix) :]
        cr.execute(SQL("ALTER INDEX %s RENAME TO %s", SQL.identifier(index), SQL.identifier(renamed)))


def rename_xmlid(cr, model, old, new):
    cr.execute(
        "UPDATE ir_model_data SET name = %s WHERE module = %s AND model = %s AND name = %s",
        [new, MODULE, model, old],
    )


def rename_field(cr, model, old, new):
    table = model_id = _underscored(model)
    if column_exists(cr, table, old):
        rename_column(cr, table, old, new)
        _rename_indexes(cr, table, f"{table}__{old}_", f"{table}__{new}_")
        _rename_constraints(cr, table, f"{table}_{old}_", f"{table}_{new}_")
    cr.execute("UPDATE ir_model_fields SET name = %s WHERE model = %s AND name = %s", [new, model, old])
    rename_xmlid(cr, "ir.model.fields", f"field_{model_id}__{old}", f"field_{model_id}__{new}")
    _rename_xmlid_prefix(
        cr, "ir.model.fields.selection", f"selection__{model_id}__{old}__", f"selection__{model_id}__{new}__"
    )
    _rename_in_views(cr, model, old, new)
    _logger.info("Renamed %s.%s to %s", model, old, new)


def _rename_in_views(cr, model, old, new):
    """Stored views, saved filters and window actions of ``model`` (ours, other modules', users') name the
    field: Odoo validates a reloaded view with every view inheriting it, so an old name left in one aborts
    the update, and a stale favourite fails when used. A path ending in the name (``x.xero_invoice_id``)
    is another model's field and stays."""
    word = rf"(?<![.\w]){old}\M"
    cr.execute(
        """UPDATE ir_ui_view v
              SET arch_db = (SELECT jsonb_object_agg(key, regexp_replace(value, %s, %s, 'g'))
                               FROM jsonb_each_text(v.arch_db))
            WHERE model = %s AND arch_db::text ~ %s""",
        [word, new, model, word],
    )
    cr.execute(
        """UPDATE ir_filters SET domain = regexp_replace(domain, %(word)s, %(new)s, 'g'),
                                context = regexp_replace(context, %(word)s, %(new)s, 'g'),
                                sort = regexp_replace(sort, %(word)s, %(new)s, 'g')
            WHERE model_id = %(model)s AND concat(domain, context, sort) ~ %(word)s""",
        {"word": word, "new": new, "model": model},
    )
    cr.execute(
        """UPDATE ir_act_window SET domain = regexp_replace(domain, %(word)s, %(new)s, 'g'),
                                   context = regexp_replace(context, %(word)s, %(new)s, 'g')
            WHERE res_model = %(model)s AND concat(domain, context) ~ %(word)s""",
        {"word": word, "new": new, "model": model},
    )


def _rename_constraints(cr, table, old_prefix, new_prefix):
    """Foreign keys and other constraints named after the old table or column, and their registry rows."""
    cr.execute(
        "SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass AND conname LIKE %s",
        [table, _like_prefix(old_prefix)],
    )
    for (constraint,) in cr.fetchall():
        renamed = new_prefix + constraint[len(old_prefix) :]
        cr.execute(
            SQL(
                "ALTER TABLE %s RENAME CONSTRAINT %s TO %s",
                SQL.identifier(table),
                SQL.identifier(constraint),
                SQL.identifier(renamed),
            )
        )
        cr.execute("UPDATE ir_model_constraint SET name = %s WHERE name = %s", [renamed, constraint])


def rename_model(cr, old, new):
    old_table, new_table = _underscored(old), _underscored(new)
    if table_exists(cr, old_table):
        cr.execute(SQL("ALTER TABLE %s RENAME TO %s", SQL.identifier(old_table), SQL.identifier(new_table)))
        cr.execute(
            SQL(
                "ALTER SEQUENCE IF EXISTS %s RENAME TO %s",
                SQL.identifier(f"{old_table}_id_seq"),
                SQL.identifier(f"{new_table}_id_seq"),
            )
        )
        _rename_indexes(cr, new_table, f"{old_table}_", f"{new_table}_")
        _rename_constraints(cr, new_table, f"{old_table}_", f"{new_table}_")
    cr.execute("UPDATE ir_model SET model = %s WHERE model = %s", [new, old])
    cr.execute("UPDATE ir_model_fields SET model = %s WHERE model = %s", [new, old])
    cr.execute("UPDATE ir_model_fields SET relation = %s WHERE relation = %s", [new, old])
    cr.execute("UPDATE ir_model_data SET model = %s WHERE model = %s", [new, old])
    rename_xmlid(cr, "ir.model", f"model_{old_table}", f"model_{new_table}")
    _rename_xmlid_prefix(cr, "ir.model.fields", f"field_{old_table}__", f"field_{new_table}__")
    _logger.info("Renamed model %s to %s", old, new)
