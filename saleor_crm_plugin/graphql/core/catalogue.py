"""The shape of one parameter of a catalogue entry (a coupon trigger's, a segment
purchase condition's), shared by the segment and coupon catalogues."""

import graphene
from saleor.graphql.core.scalars import JSON

from .errors import camel

CRMCatalogueParameterTypeEnum = graphene.Enum(
    "CRMCatalogueParameterTypeEnum",
    [
        ("INT", "int"),
        ("ID", "id"),
        ("IDS", "ids"),
        ("CHOICE", "choice"),
        ("DATETIME", "datetime"),
    ],
    description=(
        "INT: a whole number from min to max. ID: one global ID of `reference`. "
        "IDS: a list of 1 to maxItems global IDs (or database keys in a segment "
        "rule) of `reference`. CHOICE: one of `choices`. DATETIME: an ISO 8601 "
        "date-time with its offset."
    ),
)

CRMCatalogueReferenceEnum = graphene.Enum(
    "CRMCatalogueReferenceEnum",
    [
        ("SEGMENT", "segment"),
        ("TIER", "tier"),
        ("PRODUCT", "product"),
        ("CATEGORY", "category"),
        ("COLLECTION", "collection"),
        ("ITEM", "item"),
    ],
    description=(
        "What an ID parameter names: a CRM segment or loyalty tier, or a Saleor "
        "product / category / collection (ITEM: the kind the condition's item "
        "list chose)."
    ),
)


class CRMCatalogueParameter(graphene.ObjectType):
    name = graphene.String(
        required=True,
        description="The key: the input field (camelCase) of a coupon trigger, "
        "the rule JSON key (snake_case) of a segment condition.",
    )
    label_key = graphene.String(
        required=True, description="The key of its label in the app's catalogues."
    )
    type = CRMCatalogueParameterTypeEnum(required=True)
    required = graphene.Boolean(required=True)
    min = graphene.Int(description="INT: the smallest value.")
    max = graphene.Int(description="INT: the largest value.")
    max_items = graphene.Int(description="IDS: at most this many.")
    default = JSON(description="The value an omitted parameter takes (null: none).")
    reference = CRMCatalogueReferenceEnum(description="ID / IDS: what they name.")
    choices = graphene.List(
        graphene.NonNull(graphene.String), required=True, description="CHOICE."
    )
    one_of = graphene.String(
        description="Parameters sharing this group: give exactly one of them."
    )


_INT32 = 2**31 - 1


def parameter(param, *, prefix: str, camel_case: bool, max_items: int):
    """A catalogue parameter from a domain parameter (``TriggerParam`` /
    ``ConditionParam``: name, type, required, min, max, default, reference and,
    for conditions, choices and one_of)."""
    name = camel(param.name) if camel_case else param.name
    bounded = param.type == "int"
    return CRMCatalogueParameter(
        name=name,
        label_key=f"{prefix}.{param.name}",
        type=param.type,
        required=param.required,
        min=param.min if bounded else None,
        max=min(param.max, _INT32) if bounded and param.max is not None else None,
        max_items=max_items if param.type == "ids" else None,
        default=param.default,
        reference=param.reference or None,
        choices=list(getattr(param, "choices", ())),
        one_of=getattr(param, "one_of", "") or None,
    )
