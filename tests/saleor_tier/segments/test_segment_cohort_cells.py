"""A cohort retention cell as a segment: the rule the dashboard builds for a cell
(``dashboard_extension/src/screens/overview/segmentLink.ts`` ``cohortCellRule``:
first order in month M, and for k >= 1 an order in month M + k, months in the
channel's time zone) counts, through the segment builder's live count
(``crmSegmentPreview``), exactly the cell's customers as the analytics cohort API
(``crmAnalyticsCohorts`` ``activeCustomers``) counts them — on a small hand-made
history with orders a minute either side of local month ends, cancelled orders
and a customer of another channel."""

import uuid
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from crm_analytics_helpers import recompute_profiles
from crm_helpers import crm_gql
from saleor.channel.models import Channel

from saleor_crm_plugin.models import AnalyticsChannel, CustomerOrder, CustomerProfile

TOKYO = "Asia/Tokyo"

COHORTS = """
query C($channel: String!, $range: CRMAnalyticsRangeInput!) {
  crmAnalyticsCohorts(channel: $channel, range: $range) {
    cohorts { timeZone cohorts { month size activeCustomers } }
    errors { field code message }
  }
}"""
PREVIEW = """
query P($rule: JSON, $channel: String) {
  crmSegmentPreview(rule: $rule, channel: $channel) {
    result { count } errors { field code message }
  }
}"""


def add_months(month: date, k: int) -> date:
    index = month.year * 12 + month.month - 1 + k
    return date(index // 12, index % 12 + 1, 1)


def midnight(day: date, tz: str) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=ZoneInfo(tz))


def cohort_cell_rule(month: date, k: int, tz: str) -> dict:
    """The dashboard's ``cohortCellRule`` (its Vitest test pins the same strings)."""
    start, end = midnight(month, tz), midnight(add_months(month, 1), tz)
    rule = [
        {
            "field": "first_order_at",
            "op": "between",
            "value": [
                start.isoformat(),
                (end - timedelta(microseconds=1)).isoformat(),
            ],
        }
    ]
    if k > 0:
        rule.append(
            {
                "ordered": {
                    "from": midnight(add_months(month, k), tz).isoformat(),
                    "to": midnight(add_months(month, k + 1), tz).isoformat(),
                }
            }
        )
    return {"and": rule}


def test_the_rule_is_the_dashboards():
    # the same cell as dashboard_extension/src/screens/overview/cohortLink.test.tsx
    assert cohort_cell_rule(date(2026, 1, 1), 2, TOKYO) == {
        "and": [
            {
                "field": "first_order_at",
                "op": "between",
                "value": [
                    "2026-01-01T00:00:00+09:00",
                    "2026-01-31T23:59:59.999999+09:00",
                ],
            },
            {
                "ordered": {
                    "from": "2026-03-01T00:00:00+09:00",
                    "to": "2026-04-01T00:00:00+09:00",
                }
            },
        ]
    }
    la = "America/Los_Angeles"
    assert cohort_cell_rule(date(2025, 11, 1), 3, la)["and"][0]["value"] == [
        "2025-11-01T00:00:00-07:00",
        "2025-11-30T23:59:59.999999-08:00",
    ]


@pytest.fixture
def history(db):
    """Local Tokyo times (minute edges around month ends):

    * A: 01-01 00:00, 03-15 → January; months 0, 2
    * B: 01-31 23:59, 02-01 00:00 → January; months 0, 1
    * C: 2025-12-31 23:59, 01-05 → December; months 0, 1
    * D: 01-10 cancelled, 02-10 → February (the cancelled order is no first order)
    * E: 01-20, 03-31 23:59, 04-01 00:00 → January; months 0, 2, 3
    * F: 02-03, 03-01 cancelled → February; month 0 only
    * X (another channel, same months): counted in neither
    """
    jp = Channel.objects.create(
        name="coh-jp", slug="coh-jp", currency_code="JPY", default_country="JP"
    )
    other = Channel.objects.create(
        name="coh-x", slug="coh-x", currency_code="JPY", default_country="JP"
    )
    for channel in (jp, other):
        AnalyticsChannel.objects.create(channel_id=channel.pk, time_zone=TOKYO)
    zone = ZoneInfo(TOKYO)

    def at(y, m, d, hh=12, mm=0):
        return datetime(y, m, d, hh, mm, tzinfo=zone)

    people = {
        "A": (jp, [(at(2026, 1, 1, 0, 0), False), (at(2026, 3, 15), False)]),
        "B": (jp, [(at(2026, 1, 31, 23, 59), False), (at(2026, 2, 1, 0, 0), False)]),
        "C": (jp, [(at(2025, 12, 31, 23, 59), False), (at(2026, 1, 5), False)]),
        "D": (jp, [(at(2026, 1, 10), True), (at(2026, 2, 10), False)]),
        "E": (
            jp,
            [
                (at(2026, 1, 20), False),
                (at(2026, 3, 31, 23, 59), False),
                (at(2026, 4, 1, 0, 0), False),
            ],
        ),
        "F": (jp, [(at(2026, 2, 3), False), (at(2026, 3, 1), True)]),
        "X": (other, [(at(2026, 1, 3), False), (at(2026, 3, 3), False)]),
    }
    pks = []
    for name, (channel, orders) in people.items():
        profile = CustomerProfile.objects.create(
            channel=channel, email=f"{name.lower()}@cohort.example", currency="JPY"
        )
        pks.append(profile.pk)
        for placed_at, cancelled in orders:
            CustomerOrder.objects.create(
                order_id=uuid.uuid4(),
                profile=profile,
                channel_id=channel.pk,
                currency="JPY",
                total_amount=Decimal(1000),
                status="fulfilled",
                placed_at=placed_at,
                cancelled=cancelled,
            )
    recompute_profiles(pks)  # figures (first order) and the cohort rollups
    return jp


def test_a_cells_segment_counts_the_cells_customers(staff_users_admin, history):
    answer = crm_gql(
        staff_users_admin,
        COHORTS,
        {"channel": "coh-jp", "range": {"gte": "2025-12-01", "lte": "2026-02-28"}},
    )["crmAnalyticsCohorts"]
    assert answer["errors"] == []
    tz = answer["cohorts"]["timeZone"]
    assert tz == TOKYO
    cohorts = {
        c["month"]: (c["size"], c["activeCustomers"][:5])
        for c in answer["cohorts"]["cohorts"]
    }
    # the history by hand
    assert cohorts == {
        "2025-12-01": (1, [1, 1, 0, 0, 0]),
        "2026-01-01": (3, [3, 1, 2, 1, 0]),
        "2026-02-01": (2, [2, 0, 0, 0, 0]),
    }
    checked = 0
    for month, (_size, active) in cohorts.items():
        for k, customers in enumerate(active):
            rule = cohort_cell_rule(date.fromisoformat(month), k, tz)
            preview = crm_gql(
                staff_users_admin, PREVIEW, {"rule": rule, "channel": "coh-jp"}
            )["crmSegmentPreview"]
            assert preview["errors"] == [], (month, k)
            assert preview["result"]["count"] == customers, (month, k, rule)
            checked += customers > 0
    assert checked == 7  # the non-empty cells above
