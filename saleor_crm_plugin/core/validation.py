"""Input checks against what the database will store: a value is refused when its
column could not hold it as typed, instead of PostgreSQL failing (``DataError``)
or Django rounding it in silence.

* text: the ``CharField``'s ``max_length``, and no NUL character (PostgreSQL text
  cannot hold one);
* decimals: the ``DecimalField``'s ``max_digits`` / ``decimal_places`` (also for
  the items of an ``ArrayField`` of decimals). Money amounts are checked against
  the currency's decimal places where the channel is known (``domain.coupons``,
  with Saleor's ``get_currency_precision``).

The checks are Django's own validators of the model field, so the limits are read
from the models and cannot drift from the migrations."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError

NUL = "\x00"


NUL_MESSAGE = "Text must not contain NUL characters."


def contains_nul(value) -> bool:
    """Whether a string anywhere in ``value`` (nested lists and dicts, keys
    included) holds a NUL character."""
    if isinstance(value, str):
        return NUL in value
    if isinstance(value, dict):
        return any(contains_nul(k) or contains_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple | set):
        return any(contains_nul(v) for v in value)
    return False


def column_problem(model, name: str, value) -> str | None:
    """Why ``model.<name>`` cannot store ``value`` as given, or None. ``None``
    values are not checked (required-ness is the caller's business)."""
    if value is None:
        return None
    if contains_nul(value):
        return NUL_MESSAGE
    field = model._meta.get_field(name)
    try:
        field.run_validators(field.to_python(value))
    except ValidationError as exc:
        return " ".join(exc.messages)
    return None


def first_column_problem(model, values: dict) -> tuple[str, str] | None:
    """The first ``(field, message)`` of ``values`` (model field name → value)
    that its column cannot store, or None."""
    for name, value in values.items():
        problem = column_problem(model, name, value)
        if problem:
            return name, problem
    return None


def decimal_places(amount: Decimal) -> int:
    """The decimal places ``amount`` needs exactly (``12.340`` needs 2); computed
    from its digits, so no context precision rounds it first."""
    _sign, digits, exponent = amount.as_tuple()
    if not isinstance(exponent, int):  # NaN, infinity
        raise ValueError("not a finite number")
    digits = list(digits)
    while exponent < 0 and len(digits) > 1 and digits[-1] == 0:
        digits.pop()
        exponent += 1
    return max(0, -exponent)
