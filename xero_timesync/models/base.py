"""The fields Xero and the synchronization own, on every model: written by the integration only.

A stored, read-only field named ``xero_*`` (or ``is_xero_*``), and every stored, read-only field of the
addon's own ``xero.*`` records (a connection's organisation, token and project, a tax rate or tracking
option as Xero lists it), holds what Xero said or what the integration decided (a ContactID, an InvoiceID
and its status, a push nonce, the invoice line a timesheet is billed on). ``readonly`` only hides it in
forms; over JSON-RPC anyone with write access could set it and, say, reroute a client's invoices to another
Xero contact. These guards refuse such a write for everyone, administrators included, unless the
integration's own code writes (``ownership.integration_writes``). A new field of that kind is guarded
without being listed anywhere. An addon model whose records are its users' (a running timer, the
administrator's tracking mapping) says so with ``_xero_owned_records = False``.
"""

from odoo import _, api, models, tools
from odoo.exceptions import AccessError

from ..ownership import integration_writes

OWNED_PREFIXES = ("xero_", "is_xero_")
LOG_COLUMNS = frozenset({"id", "create_uid", "create_date", "write_uid", "write_date", "display_name"})


class Base(models.AbstractModel):
    _inherit = "base"

    @api.model
    @tools.ormcache()
    def _xero_owned_fields(self):
        own_records = (
            self._name.startswith("xero.")
            and not (self._transient or self._abstract)
            and getattr(self, "_xero_owned_records", True)
        )
        return frozenset(
            name
            for name, field in self._fields.items()
            if field.store
            and field.readonly
            and name not in LOG_COLUMNS
            and (own_records or name.startswith(OWNED_PREFIXES))
        )

    def _xero_check_owned_fields(self, vals_list, creating=False):
        owned = self._xero_owned_fields()
        if not owned:
            return
        written = {name for vals in vals_list for name in owned.intersection(vals)}
        if creating:  # a caller's default_<field> context key fills the field after this check
            written.update(name for name in owned if f"default_{name}" in self.env.context)
        if written and not integration_writes(self.env):
            labels = ", ".join(sorted(self._fields[name].string for name in written))
            raise AccessError(
                _(
                    "%(fields)s of %(model)s come from Xero and the integration only: nobody can set them by hand,"
                    " administrators included.",
                    fields=labels,
                    model=self._description,
                )
            )

    @api.model_create_multi
    def create(self, vals_list):
        self._xero_check_owned_fields(vals_list, creating=True)
        return super().create(vals_list)

    def write(self, vals):
        self._xero_check_owned_fields([vals])
        return super().write(vals)
