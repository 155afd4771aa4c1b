"""Xero's arithmetic of an invoice, to know before pushing what Xero will make of it.

Xero rounds Quantity and UnitAmount to 4 decimals (``unitdp=4``), then per line: LineAmount =
quantity × unit amount × (1 − discount), rounded to the cent first; TaxAmount = LineAmount × rate
(Exclusive) or LineAmount × rate / (1 + rate) (Inclusive), rounded to the cent on each line; the
invoice's TotalTax is the sum of the lines' tax, SubTotal the sum of the lines without tax. Rounding is
half away from zero. Odoo's "Round per Line" (``tax_calculation_rounding_method``) is the same rule:
``account.tax._get_tax_details`` rounds quantity × price first, then each line's tax.
"""

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
UNIT = Decimal("0.0001")  # Xero's unitdp=4 for Quantity and UnitAmount


def decimal(value, places=None):
    number = Decimal(str(value or 0))
    return number.quantize(places, rounding=ROUND_HALF_UP) if places else number


def line_amounts(quantity, unit_amount, discount, rate, line_amount_types):
    """``(LineAmount, TaxAmount)`` of one line as Xero computes them (``rate`` in percent)."""
    amount = decimal(decimal(quantity, UNIT) * decimal(unit_amount, UNIT) * (100 - decimal(discount)) / 100, CENT)
    rate = decimal(rate)
    if line_amount_types == "Inclusive":
        tax = amount * rate / (100 + rate)
    elif line_amount_types == "Exclusive":
        tax = amount * rate / 100
    else:
        tax = Decimal(0)
    return amount, decimal(tax, CENT)


def invoice_totals(lines, line_amount_types):
    """``(SubTotal, TotalTax, Total)`` of ``[(quantity, unit_amount, discount, rate)]`` as Xero computes them."""
    amounts = [line_amounts(*line, line_amount_types) for line in lines]
    line_total = sum((amount for amount, _tax in amounts), Decimal(0))
    tax_total = sum((tax for _amount, tax in amounts), Decimal(0))
    subtotal = line_total - tax_total if line_amount_types == "Inclusive" else line_total
    return subtotal, tax_total, subtotal + tax_total


def exact_unit_price(quantity, amount, rate):
    """A unit price that makes ``quantity`` (hours as the invoice line holds them) bill exactly ``amount``,
    with as few decimals as possible (at most Xero's 4): ``rate`` itself when it already does, else
    ``amount / quantity`` or its nearest 4-decimal neighbours. None when no 4-decimal price can (possible
    above 100 hours whose quantity was cut to 0.01 h: the prices' amounts are then more than a cent apart)."""
    quantity, amount = decimal(quantity, UNIT), decimal(amount, CENT)
    if not quantity:
        return None
    candidates = [decimal(rate, UNIT)]
    for places in (CENT, Decimal("0.001"), UNIT):
        price = (amount / quantity).quantize(places, rounding=ROUND_HALF_UP)
        candidates += [price, price - places, price + places]
    for price in candidates:
        if price > 0 and decimal(quantity * price, CENT) == amount:
            return float(price)
    return None


def exact_line(quantity, amount, rate, step):
    """``(quantity, unit price)`` billing exactly ``amount``: ``quantity`` with :func:`exact_unit_price`, else
    (long lines only) the nearest quantity a few ``step`` (the quantity's precision) away that has one.
    None when none has."""
    for offset in (0, -1, 1, -2, 2, -3, 3):
        nearby = round(quantity + offset * step, 6)
        if nearby > 0 and (price := exact_unit_price(nearby, amount, rate)) is not None:
            return nearby, price
    return None
