import graphene

from ...models import SegmentEvent

CRMSegmentKindEnum = graphene.Enum(
    "CRMSegmentKindEnum",
    [("DYNAMIC", "dynamic"), ("STATIC", "static")],
    description="Dynamic segments are recomputed; static ones keep their snapshot.",
)

CRMSegmentEventKindEnum = graphene.Enum(
    "CRMSegmentEventKindEnum",
    [("ENTER", SegmentEvent.ENTER), ("EXIT", SegmentEvent.EXIT)],
    description="A customer entered or left a segment.",
)
