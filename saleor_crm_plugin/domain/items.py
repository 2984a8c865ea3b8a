"""Item analytics (pure, no Django): repurchase intervals, when a customer is
next due for an item, co-purchases — the plain-Python meaning of the set-based
SQL in ``analytics/repurchase.py`` and ``analytics/copurchase.py`` (which the
Saleor tier checks against these functions on random histories) — and the
constants of the two segment conditions built on them (compiled and evaluated
in ``domain/segments.py``):

* ``{"due": {"products"|"categories": [ids], "within_days": N}}`` — the customer
  is due to rebuy one of the items within N days: ``now <= due_at < now + N``
  days, where ``due_at`` is their last purchase of the item plus their own
  median interval when they have at least ``OWN_INTERVALS`` intervals of it
  (``OWN_INTERVALS + 1`` purchases), else the item's median interval in their
  channel (no median: never due).
* ``{"bought_not": {"products"|"categories": [X ids], "within_days": D,
  "not": [Y ids]}}`` or ``{..., "top": K, "relation": "together"|"after"}`` —
  the customer bought one of X (within D days if given) and never bought any
  of Y: the merchant's list, or the top K co-purchases of the X items in the
  customer's channel.

Definitions (one place; the README quotes them):

* A purchase of an item is a CRM order not cancelled holding it (a purchase
  fact): an order holding an item twice is one purchase.
* Interval: the time between two consecutive purchases of the same item by the
  same customer (profile), in days (fractional). Per item and channel: the
  customers who bought it, those who bought it more than once, how many
  intervals there are, and the quartiles of *all* those intervals pooled
  (``percentile_cont``: linear interpolation, as PostgreSQL).
* Co-purchase, per channel and item kind, counted over orders (``N``: the
  channel's orders holding an item of the kind; ``n_X``: those holding X):
  ``together`` — ``n_XY`` orders hold X and Y; ``after`` — ``n_XY`` orders
  holding X are followed by the same customer's next order (the next with an
  item of the kind, by time then order ID) within ``window_days`` days, and
  that next order holds Y. ``support = n_XY / N``, ``confidence = n_XY / n_X``,
  ``lift = confidence / (n_Y / N)`` where ``n_Y`` is the orders holding Y
  (``together``) or the next orders within the window holding Y (``after``).
  An item is never its own co-purchase. Per X, the pairs with
  ``n_XY >= min_orders`` are ranked by ``n_XY`` (= confidence) descending, then
  ``n_Y`` ascending (= lift descending), then Y's ID; the first ``top_k`` are
  kept.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

# ``PurchaseFact.KIND_*`` of the kinds item analytics cover
ITEM_KINDS = {"products": 1, "categories": 2}
RELATIONS = ("together", "after")
# a customer's own interval is used from this many intervals on
OWN_INTERVALS = 2
# defaults of the co-purchase refresh
TOP_K = 20
MIN_PAIR_ORDERS = 2
AFTER_WINDOW_DAYS = 90
MAX_WITHIN_DAYS = 3650
MAX_TOP = 100

DAY_SECONDS = 86400.0


def days_between(earlier: datetime, later: datetime) -> float:
    """Fractional days, as the SQL computes them (``extract(epoch ...) / 86400``)."""
    return (later - earlier).total_seconds() / DAY_SECONDS


def percentile_cont(values: list[float], fraction: float) -> float | None:
    """PostgreSQL's ``percentile_cont``: linear interpolation between the two
    closest ranks of the sorted values (None for none)."""
    if not values:
        return None
    ordered = sorted(values)
    position = fraction * (len(ordered) - 1)
    low = math.floor(position)
    high = math.ceil(position)
    if low == high:
        return ordered[low]
    return ordered[low] + (position - low) * (ordered[high] - ordered[low])


# --- repurchase intervals -------------------------------------------------------


@dataclass(frozen=True)
class Fact:
    """One purchase fact: ``kind`` as ``ITEM_KINDS``, the profile's channel."""

    channel: int
    profile: int
    kind: int
    item: int
    order: str
    placed_at: datetime


@dataclass(frozen=True)
class IntervalStats:
    customers: int
    repeat_customers: int
    intervals: int
    q1_days: float
    median_days: float
    q3_days: float


def gaps(times: list[datetime]) -> list[float]:
    """The intervals in days between consecutive purchases (times in order)."""
    return [days_between(a, b) for a, b in zip(times, times[1:], strict=False)]


def _histories(facts) -> dict:
    """(channel, kind, item) -> profile -> purchase times in order."""
    out: dict = defaultdict(lambda: defaultdict(list))
    for f in sorted(facts, key=lambda f: (f.placed_at, f.order)):
        out[(f.channel, f.kind, f.item)][f.profile].append(f.placed_at)
    return out


def interval_stats(facts) -> dict[tuple[int, int, int], IntervalStats]:
    """Per (channel, kind, item) with at least one interval: the figures the
    repurchase-interval refresh stores."""
    out = {}
    for key, by_profile in _histories(facts).items():
        pooled = [g for times in by_profile.values() for g in gaps(times)]
        if not pooled:
            continue
        out[key] = IntervalStats(
            customers=len(by_profile),
            repeat_customers=sum(1 for t in by_profile.values() if len(t) > 1),
            intervals=len(pooled),
            q1_days=percentile_cont(pooled, 0.25),
            median_days=percentile_cont(pooled, 0.5),
            q3_days=percentile_cont(pooled, 0.75),
        )
    return out


def due_at(times: list[datetime], item_median_days: float | None) -> datetime | None:
    """When a customer who bought an item at ``times`` is next due for it: the
    last purchase plus their own median interval (from ``OWN_INTERVALS``
    intervals on), else plus the item's median; None without either."""
    if not times:
        return None
    times = sorted(times)
    own = gaps(times)
    days = percentile_cont(own, 0.5) if len(own) >= OWN_INTERVALS else item_median_days
    if days is None:
        return None
    return times[-1] + timedelta(days=days)


# --- co-purchases ---------------------------------------------------------------


@dataclass(frozen=True)
class CoPurchase:
    other: int
    rank: int
    orders: int  # n_XY
    item_orders: int  # n_X
    other_orders: int  # n_Y (together) or next orders holding Y (after)
    total_orders: int  # N
    support: float
    confidence: float
    lift: float


@dataclass(frozen=True)
class Order:
    """An order with its items of one kind (not cancelled)."""

    channel: int
    profile: int
    order: str
    placed_at: datetime
    items: frozenset[int]


def orders_of(facts, kind: int) -> list[Order]:
    """The orders holding an item of ``kind``, from purchase facts."""
    found: dict = {}
    for f in facts:
        if f.kind != kind:
            continue
        o = found.setdefault(f.order, (f.channel, f.profile, f.placed_at, set()))
        o[3].add(f.item)
    return [
        Order(c, p, order, at, frozenset(items))
        for order, (c, p, at, items) in found.items()
    ]


def copurchases(
    orders: list[Order],
    relation: str,
    *,
    window_days: int = AFTER_WINDOW_DAYS,
    min_orders: int = MIN_PAIR_ORDERS,
    top_k: int = TOP_K,
) -> dict[tuple[int, int], list[CoPurchase]]:
    """(channel, X) -> X's top co-purchases, ranked (see the module's text)."""
    total: dict = defaultdict(int)
    item_orders: dict = defaultdict(int)
    for o in orders:
        total[o.channel] += 1
        for x in o.items:
            item_orders[(o.channel, x)] += 1
    pairs: dict = defaultdict(int)
    if relation == "together":
        other_orders = item_orders
        for o in orders:
            for x in o.items:
                for y in o.items:
                    if x != y:
                        pairs[(o.channel, x, y)] += 1
    elif relation == "after":
        other_orders = defaultdict(int)
        by_profile = defaultdict(list)
        for o in orders:
            by_profile[o.profile].append(o)
        window = timedelta(days=window_days)
        for history in by_profile.values():
            history.sort(key=lambda o: (o.placed_at, o.order))
            for o, nxt in zip(history, history[1:], strict=False):
                if nxt.placed_at - o.placed_at > window:
                    continue
                for y in nxt.items:
                    other_orders[(o.channel, y)] += 1
                for x in o.items:
                    for y in nxt.items:
                        if x != y:
                            pairs[(o.channel, x, y)] += 1
    else:
        raise ValueError(relation)
    candidates: dict = defaultdict(list)
    for (channel, x, y), n in pairs.items():
        if n >= min_orders:
            candidates[(channel, x)].append((n, y))
    out = {}
    for (channel, x), found in candidates.items():
        n_x, big_n = item_orders[(channel, x)], total[channel]
        found.sort(key=lambda t: (-t[0], other_orders[(channel, t[1])], t[1]))
        out[(channel, x)] = [
            CoPurchase(
                other=y,
                rank=rank,
                orders=n,
                item_orders=n_x,
                other_orders=other_orders[(channel, y)],
                total_orders=big_n,
                support=n / big_n,
                confidence=n / n_x,
                lift=(n * big_n) / (n_x * other_orders[(channel, y)]),
            )
            for rank, (n, y) in enumerate(found[:top_k], start=1)
        ]
    return out
