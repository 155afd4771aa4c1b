"""19.0.1.8.0: a name that says what it holds (issue 23), renamed in place so no data moves.

- ``account.analytic.line.xero_invoice_line_id`` (the Odoo invoice line a timesheet is billed on, not a Xero
  one) → ``xero_billed_move_line_id``, next to ``xero_billed_move_id`` (its invoice).

The column, its index and foreign key, the registry rows and the stored views, favourites and window actions
that name it follow, as in 19.0.1.3.0 (whose ``rename_field`` this reuses).
"""

import importlib.util
from pathlib import Path

FIELD_RENAMES = [("account.analytic.line", "xero_invoice_line_id", "xero_billed_move_line_id")]


def _renames():
    path = Path(__file__).parents[1] / "19.0.1.3.0" / "pre-migrate.py"
    spec = importlib.util.spec_from_file_location("xero_timesync_pre_migrate_19_0_1_3_0", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def migrate(cr, version):
    if not version:
        return
    renames = _renames()
    for model, old, new in FIELD_RENAMES:
        renames.rename_field(cr, model, old, new)
