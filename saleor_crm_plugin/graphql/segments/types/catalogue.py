"""The segment rule catalogue: every field a rule may test with its operators,
and the purchase conditions with their parameters — read from the rule validator
(``domain.segments``), so an editor built on it follows the validator."""

import graphene

from ....domain.segments import CONDITIONS, MAX_LIST, field_catalogue
from ...core.catalogue import CRMCatalogueParameter, parameter

CRMSegmentValueTypeEnum = graphene.Enum(
    "CRMSegmentValueTypeEnum",
    [
        ("INT", "int"),
        ("DECIMAL", "decimal"),
        ("DATETIME", "datetime"),
        ("TEXT", "text"),
        ("METADATA", "metadata"),
    ],
    description=(
        "A rule value: a whole number, a decimal (as text or number), an ISO 8601 "
        "date-time with its offset, text, or — METADATA — a `key` plus a text value."
    ),
)

CRMSegmentOperatorValueEnum = graphene.Enum(
    "CRMSegmentOperatorValueEnum",
    [
        ("NONE", "none"),
        ("SINGLE", "single"),
        ("RANGE", "range"),
        ("LIST", "list"),
        ("DAYS", "days"),
    ],
    description=(
        "How an operator takes its `value`: none, one value, [from, to], a list "
        f"of 1 to {MAX_LIST} values, or a number of days (0 to 36500) before now."
    ),
)

CRMSegmentValuePickerEnum = graphene.Enum(
    "CRMSegmentValuePickerEnum",
    [
        ("CHANNEL", "channel"),
        ("TIER", "tier"),
        ("RFM_GROUP", "rfm_group"),
        ("COUNTRY", "country"),
        ("MONEY", "money"),
    ],
    description=(
        "Where a field's values come from: channel slugs, loyalty tier names, "
        "RFM group names, ISO 3166-1 alpha-2 codes, amounts in the profile's "
        "currency."
    ),
)

CRMSegmentFieldSourceEnum = graphene.Enum(
    "CRMSegmentFieldSourceEnum",
    [
        ("PROFILE", "profile"),
        ("LOYALTY", "loyalty"),
        ("RFM", "rfm"),
        ("ACCOUNT", "account"),
        ("CHANNEL", "channel"),
    ],
    description=(
        "What a field reads: the customer's CRM profile in a channel, their "
        "loyalty membership, their RFM score, their Saleor account, the channel."
    ),
)


class CRMSegmentOperator(graphene.ObjectType):
    name = graphene.String(required=True, description="The rule's `op`.")
    label_key = graphene.String(required=True)
    value = CRMSegmentOperatorValueEnum(required=True)


class CRMSegmentField(graphene.ObjectType):
    name = graphene.String(required=True, description="The rule's `field`.")
    label_key = graphene.String(required=True)
    value_type = CRMSegmentValueTypeEnum(required=True)
    operators = graphene.List(graphene.NonNull(CRMSegmentOperator), required=True)
    enum_values = graphene.List(
        graphene.NonNull(graphene.String),
        required=True,
        description="The values the field takes (empty: open).",
    )
    value_picker = CRMSegmentValuePickerEnum(
        description="Where its values come from, for a picker (null: typed)."
    )
    source = CRMSegmentFieldSourceEnum(required=True)
    channel_scoped = graphene.Boolean(
        required=True,
        description="Its value is per customer and channel (a segment without a "
        "channel tests each channel's profile).",
    )

    @staticmethod
    def all():
        return [
            CRMSegmentField(
                name=entry["name"],
                label_key=f"segments.field.{entry['name']}",
                value_type=entry["kind"],
                operators=[
                    CRMSegmentOperator(
                        name=op["name"],
                        label_key=f"segments.operator.{op['name']}",
                        value=op["value"],
                    )
                    for op in entry["operators"]
                ],
                enum_values=entry["choices"],
                value_picker=entry["values"] or None,
                source=entry["source"],
                channel_scoped=entry["channel_scoped"],
            )
            for entry in field_catalogue()
        ]


class CRMSegmentCondition(graphene.ObjectType):
    name = graphene.String(
        required=True,
        description="The rule node's key: bought, due, bought_not, ordered.",
    )
    label_key = graphene.String(required=True)
    parameters = graphene.List(graphene.NonNull(CRMCatalogueParameter), required=True)

    @staticmethod
    def all():
        return [
            CRMSegmentCondition(
                name=name,
                label_key=f"segments.condition.{name}",
                parameters=[
                    parameter(
                        p,
                        prefix=f"segments.condition.{name}",
                        camel_case=False,
                        max_items=MAX_LIST,
                    )
                    for p in params
                ],
            )
            for name, params in CONDITIONS.items()
        ]
