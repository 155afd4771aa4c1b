from odoo import api, fields, models


class XeroPushAttempt(models.Model):
    """One attempt to create an invoice in Xero, recorded (and committed) before the request leaves.

    Its nonce makes the Idempotency-Key; an attempt whose outcome never reached the invoice (lost
    response, crashed worker) tells the next push to look for the invoice at Xero before creating it.
    A table of its own: the attempt is committed from a second cursor while the push transaction holds
    a lock on the invoice row (``FOR NO KEY UPDATE``, compatible with this table's foreign key).
    """

    _name = "xero.push.attempt"
    _description = "Xero invoice push attempt"
    _order = "id desc"

    move_id = fields.Many2one("account.move", required=True, ondelete="cascade", index=True)
    nonce = fields.Char(required=True)

    @api.model
    def _record(self, nonces):
        """Commit ``{move_id: nonce}`` in a separate cursor (in tests it joins the test transaction)."""
        with self.env.registry.cursor() as cr:
            env = api.Environment(cr, self.env.uid, self.env.context)
            env["xero.push.attempt"].sudo().create(
                [{"move_id": move_id, "nonce": nonce} for move_id, nonce in nonces.items()]
            )
            # the cursor commits on exit: the key must survive this transaction's rollback or a killed worker

    @api.model
    def _pending(self, moves):
        """``{move: nonce}`` of the moves whose last attempt has no known outcome."""
        if not moves:
            return {}
        self.env.cr.execute(
            """SELECT DISTINCT ON (move_id) move_id, nonce FROM xero_push_attempt
                WHERE move_id = ANY(%s) ORDER BY move_id, id DESC""",
            [moves.ids],
        )
        last = dict(self.env.cr.fetchall())
        return {move: last[move.id] for move in moves if move.id in last and last[move.id] != move.xero_push_nonce}
