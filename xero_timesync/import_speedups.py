"""The contact import's speed tricks, each doing per page what Odoo does per record, with the same result:
ORM defaults asked once (``batch_defaults``), stored computes already known left alone (``skip_recomputation``),
company checks per field and company (``check_company_batched``)."""

from contextlib import contextmanager
from contextvars import ContextVar

_defaults = ContextVar("xero_batch_defaults", default=None)


@contextmanager
def batch_defaults():
    """While a page is imported, ``default_get`` of the models that opt in (partners and tasks) answers
    each (environment, fields) question once: Odoo asks it again for every record it creates, although
    their defaults depend on the context only (checked: none of res.partner's or project.task's
    defaults reads a sequence, the clock or the record)."""
    token = _defaults.set({})
    try:
        yield
    finally:
        _defaults.reset(token)


def memoized_default_get(model, fields, compute):
    """``compute(fields)`` once per (model, environment, fields) inside ``batch_defaults``; a fresh dict
    each time, as callers complete and convert it in place."""
    memo = _defaults.get()
    if memo is None:
        return compute(fields)
    key = (model._name, id(model.env), tuple(fields))
    if key not in memo:
        memo[key] = (model.env, compute(fields))  # the env is kept: its id cannot be reused meanwhile
    return dict(memo[key][1])


def skip_recomputation(records, fnames):
    """Mark stored computed fields of freshly created ``records`` as computed: their value is known (given at
    create, or nothing to compute), so Odoo's flush need not compute them again record by record."""
    for fname in fnames:
        field = records._fields.get(fname)
        if field is not None and field.store and field.compute:
            records.env.remove_to_compute(field, records)


def check_company_batched(records, fnames, check_one_by_one):
    """``_check_company`` of a page of imported records, one ``filtered_domain`` per field and company
    instead of one per record and field (a page's tasks share project and company). The check is the same:
    for each company, the records linked through each checked field must match that company's domain
    (company-dependent fields: the current company's). When some do not, Odoo's own check runs and raises
    its usual message."""
    fields = records._fields
    names = fields if fnames is None or {"company_id", "company_ids"} & set(fnames) else fnames
    names = [name for name in names if fields[name].relational and fields[name].check_company]
    if not names or "company_id" not in fields:
        return check_one_by_one(fnames)
    records = records.sudo()
    groups = [(records.env.company, records, [name for name in names if fields[name].company_dependent])]
    by_company = {}
    for record in records:
        by_company.setdefault(record.company_id, []).append(record.id)
    regular = [name for name in names if not fields[name].company_dependent]
    groups += [(company, records.browse(ids), regular) for company, ids in by_company.items()]
    for company, group, group_names in groups:
        for name in group_names:
            linked = group.mapped(name)
            if not linked:
                continue
            domain = linked._check_company_domain(company)
            if domain and linked != linked.with_context(active_test=False).filtered_domain(domain):
                return check_one_by_one(fnames)
    return None
