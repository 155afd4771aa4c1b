from odoo import _, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.fields import Command, Domain

from ..ownership import owned_writes
from ..services.errors import XeroError

LINE_STATES = [
    ("todo", "To invoice"),
    ("created", "Invoice created"),
    ("pushed", "Pushed to Xero"),
    ("refused", "Not invoiced"),
    ("push_failed", "Not pushed"),
]


class XeroBillingRunLine(models.Model):
    """One client of a billing run: the preview, then its invoice and what became of it."""

    _name = "xero.billing.run.line"
    _description = "Client of a billing run"
    _order = "run_id, id"

    run_id = fields.Many2one("xero.billing.run", required=True, readonly=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="run_id.company_id", store=True, index=True)
    partner_id = fields.Many2one("res.partner", "Client", required=True, readonly=True)
    hours = fields.Float(readonly=True, digits="Product Unit")
    amount = fields.Monetary("Untaxed amount", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    invoice_line_count = fields.Integer("Invoice lines", readonly=True)
    timesheet_count = fields.Integer("Timesheets", readonly=True)
    state = fields.Selection(LINE_STATES, default="todo", required=True, readonly=True)
    move_id = fields.Many2one("account.move", "Invoice", readonly=True, ondelete="set null", index="btree_not_null")
    message = fields.Char("Reason", readonly=True)

    def _xero_create_invoice(self):
        """Each client's invoice by Invoice time with the client's own settings; the chunk's invoices are
        created at once, as Odoo's own batch invoicing does (one by one when one of them is refused). A client
        refused keeps its reason."""
        prepared = self._xero_prepare(self._xero_wizards())
        if not prepared:
            return
        Move = self.env["account.move"].with_company(self.run_id.company_id)
        try:
            with self.env.cr.savepoint(), owned_writes():
                # new drafts have no analytic lines to resynchronise: Odoo's inverse of each line's account would
                # only write its analytic distribution again, one write per line (a tenth of the create)
                moves = Move.with_context(skip_analytic_sync=True).create([vals for *_, vals in prepared])
                moves = moves.with_env(Move.env)
        except (UserError, ValidationError):
            moves = None
        for index, (line, wizard, groups, _vals) in enumerate(prepared):
            if moves is not None:
                move = moves[index]
            else:
                try:
                    with self.env.cr.savepoint():
                        move = wizard._create_move(groups)
                except (UserError, ValidationError) as error:
                    line.write({"state": "refused", "message": error.args[0]})
                    continue
            wizard._xero_bill_timesheets(groups, move)
            line._xero_created(move)

    def _xero_prepare(self, wizards):
        """``[(line, wizard, groups, invoice values)]`` of the clients ready to invoice, checked all at once (each
        on its own when one is refused: it keeps its reason)."""
        try:
            with self.env.cr.savepoint():
                return self._xero_prepare_all(wizards)
        except (UserError, ValidationError):
            pass
        prepared = []
        for line in self:
            try:
                with self.env.cr.savepoint():
                    prepared.append(line._xero_prepare_one(wizards.get(line)))
            except (UserError, ValidationError) as error:
                line.write({"state": "refused", "message": error.args[0]})
        return prepared

    def _xero_prepare_all(self, wizards):
        """``_xero_prepare_one`` of the chunk's clients with their checks and reads made together."""
        made = [line._xero_wizard(wizards.get(line)) for line in self]
        both = self.env["xero.invoice.wizard"].union(*made)
        groups = both._xero_invoice_groups_each()
        vals = both._xero_move_vals_each(groups)
        return [(line, wizard, groups[wizard], vals[wizard]) for line, wizard in zip(self, made, strict=True)]

    def _xero_prepare_one(self, wizard=None):
        wizard = self._xero_wizard(wizard)
        groups = wizard._xero_invoice_groups()
        return self, wizard, groups, wizard._xero_move_vals(groups)

    def _xero_wizard(self, wizard=None):
        """Invoice time for this client (``wizard``: the one made for it with the chunk's, its accounts loaded
        with theirs), its accounts loaded."""
        if wizard:
            return wizard
        run = self.run_id
        wizard = (
            self.env["xero.invoice.wizard"]
            .with_company(run.company_id)
            .create(
                {
                    "company_id": run.company_id.id,
                    "partner_id": self.partner_id.id,
                    "date_from": run.date_from,
                    "date_to": run.date_to,
                }
            )
        )
        wizard._load_accounts(live=False)  # the connection's accounts: no call per client
        return wizard

    def _xero_wizards(self):
        """``{line: wizard}``: the chunk's Invoice time wizards made at once, their time found by one search with
        the wizard's own domain (each client's: the time of the client and its contacts). Empty when they
        cannot be made together: each client's is then made on its own, and refused on its own."""
        run = self.run_id
        if len(run) != 1:
            return {}
        Wizard = self.env["xero.invoice.wizard"].with_company(run.company_id)
        period = {"company_id": run.company_id.id, "date_from": run.date_from, "date_to": run.date_to}
        clients = self.partner_id.commercial_partner_id
        domain = Wizard.new(period)._timesheet_domain() & Domain("partner_id", "child_of", clients.ids)
        timesheets = self.env["account.analytic.line"].sudo().search(domain, order="date, id")
        by_client = {client: [] for client in clients}
        for timesheet in timesheets:
            partner, seen = timesheet.partner_id, set()
            while partner and partner.id not in seen:  # child_of: the client's own and its contacts' time
                seen.add(partner.id)
                if partner in by_client:
                    by_client[partner].append(timesheet.id)
                partner = partner.parent_id
        vals_list = [
            {
                **period,
                "partner_id": line.partner_id.id,
                "timesheet_ids": [Command.set(by_client.get(line.partner_id.commercial_partner_id, []))],
            }
            for line in self
        ]
        try:
            with self.env.cr.savepoint():
                wizards = Wizard.create(vals_list)
                wizards._xero_load_connection_accounts()  # the connection's accounts: no call per client
        except (UserError, ValidationError):
            return {}
        return dict(zip(self, wizards, strict=True))

    def _xero_created(self, move):
        self.write(
            {
                "state": "created",
                "move_id": move.id,
                "hours": sum(move.invoice_line_ids.mapped("quantity")),
                "amount": move.amount_untaxed,
                "currency_id": move.currency_id.id,
                "invoice_line_count": len(move.invoice_line_ids),
                "message": False,
            }
        )

    def _xero_push(self):
        """Post the drafts, then push them all at once (one PUT /Invoices per 50); their timesheet PDFs are
        attached by the hourly retry (one call each), not here."""
        report = {}
        for line in self.filtered(lambda line: not line.move_id):
            report[line] = _("The invoice was deleted.")
        moves = self.move_id
        for move in moves.filtered(lambda m: m.state == "cancel"):
            report[self.filtered(lambda line, m=move: line.move_id == m)] = _("The invoice was cancelled.")
        drafts = moves.filtered(lambda m: m.state == "draft")
        for move, error in self._xero_post(drafts).items():
            report[self.filtered(lambda line, m=move: line.move_id == m)] = error
        posted = moves.filtered(lambda m: m.state == "posted")
        for move, error in self.env["xero.invoice.sync"]._xero_push(posted, attach=False).items():
            report[self.filtered(lambda line, m=move: line.move_id == m)] = error
        pushed = self.browse([line.id for line, error in report.items() if not error])
        pushed.write({"state": "pushed", "message": False})
        for line, error in report.items():
            if error:
                line.write({"state": "push_failed", "message": error})

    def _xero_post(self, moves):
        """Post ``moves`` (all at once, else one by one); returns ``{move: why not}`` for the ones refused."""
        if not moves:
            return {}
        try:
            with self.env.cr.savepoint():
                moves.action_post()
            return {}
        except (UserError, ValidationError):
            pass
        errors = {}
        for move in moves:
            try:
                with self.env.cr.savepoint():
                    move.action_post()
            except (UserError, ValidationError, XeroError) as error:
                errors[move] = _("Not posted: %s", error.args[0])
        return errors
