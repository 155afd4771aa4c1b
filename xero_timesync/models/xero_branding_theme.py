from odoo import api, fields, models


class XeroBrandingTheme(models.Model):
    """An invoice branding theme of a Xero organisation (BrandingThemes), read when an invoice needs one
    Odoo does not know yet; a theme Xero no longer lists is archived here."""

    _name = "xero.branding.theme"
    _inherit = ["xero.tenant.owned"]
    _description = "Xero branding theme"
    _order = "sequence, name"

    tenant_id = fields.Char("Xero organisation ID", required=True, readonly=True, index=True)
    xero_theme_id = fields.Char("BrandingThemeID", required=True, readonly=True)
    name = fields.Char(required=True, readonly=True)
    sequence = fields.Integer(readonly=True)
    active = fields.Boolean(default=True, readonly=True)

    _theme_uniq = models.Constraint(
        "unique (tenant_id, xero_theme_id)", "A Xero branding theme is listed once per organisation."
    )

    @api.model
    def _refresh(self, tenant_id, themes):
        """Mirror ``themes`` (``[(BrandingThemeID, Name)]`` in Xero's order) of an organisation."""
        existing = self.with_context(active_test=False).search([("tenant_id", "=", tenant_id)])
        by_id = {theme.xero_theme_id: theme for theme in existing}
        for sequence, (theme_id, name) in enumerate(themes):
            vals = {"name": name, "sequence": sequence, "active": True}
            theme = by_id.get(theme_id)
            if theme is None:
                self.create({"tenant_id": tenant_id, "xero_theme_id": theme_id, **vals})
            elif (theme.name, theme.sequence, theme.active) != (name, sequence, True):
                theme.write(vals)
        seen = {theme_id for theme_id, _name in themes}
        existing.filtered(lambda t: t.xero_theme_id not in seen and t.active).write({"active": False})

    @api.model
    def _xero_find(self, tenant_id, theme_id):
        return self.search([("tenant_id", "=", tenant_id), ("xero_theme_id", "=", theme_id)], limit=1)
