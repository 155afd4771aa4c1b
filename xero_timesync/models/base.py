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

    def _xero_changed_fields(self, vals, names):
        """The fields among ``names`` that ``vals`` changes on at least one of these records: a value written
        again unchanged is no change (Odoo's contact merge, a form saving what it shows). Commands of x2many
        fields cannot be compared: they count as changes."""
        return {
            name
            for name in set(names).intersection(vals, self._fields)
            for record in self
            if self._fields[name].type in ("one2many", "many2many")
            or self._fields[name].convert_to_write(record[name], record) != vals[name]
        }

    def _xero_refuse_owned_fields(self, names):
        labels = ", ".join(sorted(self._fields[name].string for name in names))
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
        owned = self._xero_owned_fields()
        if owned and not integration_writes(self.env):
            written = {name for vals in vals_list for name in owned.intersection(vals)}
            if written:
                self._xero_refuse_owned_fields(written)
        return super().create(vals_list)

    def write(self, vals):
        owned = self._xero_owned_fields()
        if owned and not integration_writes(self.env):
            changed = self._xero_changed_fields(vals, owned)
            if changed:
                self._xero_refuse_owned_fields(changed)
        return super().write(vals)

    def _add_missing_default_values(self, values):
        """Defaults never fill an owned field, whoever creates: a caller's ``default_*`` context key or their own
        ``ir.default`` (public: ``ir.default.set``) would otherwise ride along even the integration's own
        creates. The fields' own defaults in the code still apply."""
        owned = self._xero_owned_fields()
        if owned:
            defaults = self.env["ir.default"]._get_model_defaults(self._name)
            forged = {
                name for name in owned.difference(values) if f"default_{name}" in self.env.context or name in defaults
            }
            if forged:
                self._xero_refuse_owned_fields(forged)
        return super()._add_missing_default_values(values)
