"""RFM (pure): recency, frequency and monetary scores from 1 to 5 and the named
groups they fall in.

Scores are quantiles per channel by default — ``1 + floor(5 × percent_rank)``, so
customers with equal values share a score — or, when the merchant sets them, four
ascending boundaries per dimension (a value at or above the k-th boundary scores
k + 1; for recency the boundaries are days since the last paid order, and fewer
days score higher).

The groups are one ordered table, :data:`GROUPS`: the first row whose ranges
contain the scores names the group. The SQL ``CASE`` and the Python function are
both generated from it, so they cannot disagree.
"""

from __future__ import annotations

from decimal import Decimal

from .errors import CRMServiceError

# (group, R range, F range, M range), first match wins; ranges are inclusive
GROUPS: tuple[tuple[str, tuple[int, int], tuple[int, int], tuple[int, int]], ...] = (
    ("champions", (4, 5), (4, 5), (1, 5)),
    ("new", (4, 5), (1, 1), (1, 5)),
    ("potential_loyalists", (4, 5), (2, 3), (1, 5)),
    ("loyal", (3, 3), (3, 5), (1, 5)),
    ("needs_attention", (3, 3), (2, 2), (1, 5)),
    ("promising", (3, 3), (1, 1), (1, 5)),
    ("cant_lose", (1, 2), (4, 5), (4, 5)),
    ("at_risk", (1, 2), (3, 5), (1, 5)),
    ("hibernating", (2, 2), (1, 2), (1, 5)),
    ("lost", (1, 1), (1, 2), (1, 5)),
)
GROUP_NAMES = tuple(name for name, *_ in GROUPS)


class RfmError(CRMServiceError):
    """Invalid RFM settings: ``field`` names the dimension (``recency_days``,
    ``frequency``, ``monetary``) or ``method``."""


def group_of(r: int, f: int, m: int) -> str:
    for name, (r0, r1), (f0, f1), (m0, m1) in GROUPS:
        if r0 <= r <= r1 and f0 <= f <= f1 and m0 <= m <= m1:
            return name
    raise ValueError(f"scores out of range: {(r, f, m)}")


def group_case_sql(r: str, f: str, m: str) -> str:
    """The same table as a SQL ``CASE`` over three score expressions (column
    expressions chosen by the caller, never input)."""
    whens = " ".join(
        f"WHEN {r} BETWEEN {r0} AND {r1} AND {f} BETWEEN {f0} AND {f1} "
        f"AND {m} BETWEEN {m0} AND {m1} THEN '{name}'"
        for name, (r0, r1), (f0, f1), (m0, m1) in GROUPS
    )
    return f"CASE {whens} END"


def quantile_score(percent_rank: float) -> int:
    """Quantile score of a value from its percent rank (0 lowest … 1 highest)."""
    return min(5, 1 + int(percent_rank * 5))


def threshold_score(value, boundaries: list, *, lower_is_better: bool = False) -> int:
    """Score from four ascending boundaries (see the module docstring)."""
    passed = sum(1 for b in boundaries if value >= b)
    return 5 - passed if lower_is_better else 1 + passed


def validate_thresholds(dimension: str, boundaries) -> list[Decimal]:
    if not isinstance(boundaries, list) or len(boundaries) != 4:
        raise RfmError(dimension, "Give four ascending boundaries.")
    try:
        values = [Decimal(str(b)) for b in boundaries]
    except ArithmeticError:
        raise RfmError(dimension, "Give four numbers.") from None
    if any(not v.is_finite() or v < 0 for v in values):
        raise RfmError(dimension, "Boundaries are numbers of 0 or more.")
    if any(b >= a for a, b in zip(values[1:], values)):
        raise RfmError(dimension, "Boundaries must rise strictly.")
    return values
