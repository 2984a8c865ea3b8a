import django_filters
import graphene
from saleor.graphql.core.connection import CountableConnection, create_connection_slice
from saleor.graphql.core.fields import PermissionsField
from saleor.graphql.core.filters import EnumFilter, FilterInputObjectType
from saleor.graphql.core.scalars import JSON, DateTime
from saleor.graphql.core.types import ModelObjectType
from saleor.permission.enums import AccountPermissions

from ...domain.segments import PRESETS
from ...models import CustomerProfile, Segment
from ..profile.types import CRMCustomerProfile

MANAGE_USERS = AccountPermissions.MANAGE_USERS

CRMSegmentKindEnum = graphene.Enum(
    "CRMSegmentKindEnum",
    [("DYNAMIC", "dynamic"), ("STATIC", "static")],
    description="Dynamic segments are recomputed; static ones keep their snapshot.",
)


def _user_field(field: str):
    """The account's name field; null for a guest."""

    def resolve(root, _info):
        user = root.user if root.user_id else None
        return getattr(user, field) if user is not None else None

    return resolve


def _email(root: CustomerProfile, _info):
    # the account's current email; a guest is known by the profile's
    return root.user.email if root.user_id else root.email


class CRMPersonFields:
    """Who the customer is, for staff with MANAGE_USERS: the fields segment members
    and segment events share (each type resolves them from its own row)."""

    email = PermissionsField(
        graphene.NonNull(graphene.String),
        permissions=[MANAGE_USERS],
        description="The customer's email: the account's, or the guest's.",
    )
    first_name = PermissionsField(
        graphene.String,
        permissions=[MANAGE_USERS],
        description="The account's first name; null for a guest.",
    )
    last_name = PermissionsField(
        graphene.String,
        permissions=[MANAGE_USERS],
        description="The account's last name; null for a guest.",
    )


class CRMSegmentMember(CRMPersonFields, CRMCustomerProfile):
    # the profile's own ID (members are profiles): the same ID as elsewhere
    id = graphene.GlobalID(
        required=True, parent_type=CRMCustomerProfile, description="The profile's ID."
    )

    class Meta:
        description = (
            "A member of a segment: the customer's CRM profile in a "
            "channel, and who they are."
        )
        interfaces = [graphene.relay.Node]
        model = CustomerProfile

    resolve_email = staticmethod(_email)
    resolve_first_name = staticmethod(_user_field("first_name"))
    resolve_last_name = staticmethod(_user_field("last_name"))


class CRMSegmentMemberCountableConnection(CountableConnection):
    class Meta:
        node = CRMSegmentMember


class CRMSegment(ModelObjectType[Segment]):
    id = graphene.GlobalID(required=True)
    name = graphene.String(required=True)
    description = graphene.String(required=True)
    channel = graphene.String(description="Slug of the channel; null: all channels.")
    kind = CRMSegmentKindEnum(required=True)
    rule = JSON(required=True, description="The rule tree (see README: Segments).")
    preset = graphene.String(description="Key of a ready-made segment, if it is one.")
    preset_params = JSON(required=True, description="The preset's edited thresholds.")
    members_count = graphene.Int(required=True)
    computed_at = DateTime(description="When the members were last computed.")
    members = graphene.Field(
        CRMSegmentMemberCountableConnection,
        first=graphene.Int(default_value=50),
        after=graphene.String(),
        description="The segment's customers (profiles), with their email and "
        "names (MANAGE_USERS).",
    )

    class Meta:
        description = "A customer segment."
        interfaces = [graphene.relay.Node]
        model = Segment

    @staticmethod
    def resolve_channel(root: Segment, _info):
        return root.channel.slug if root.channel_id else None

    @staticmethod
    def resolve_preset(root: Segment, _info):
        return root.preset or None

    @staticmethod
    def resolve_members(root: Segment, info, **kwargs):
        kwargs.setdefault("first", 50)
        # one query per page, names and emails included (no query per member)
        qs = CustomerProfile.objects.select_related("channel", "user").filter(
            segment_memberships__segment=root
        )
        return create_connection_slice(
            qs, info, kwargs, CRMSegmentMemberCountableConnection
        )


class CRMSegmentCountableConnection(CountableConnection):
    class Meta:
        node = CRMSegment


class CRMSegmentPreset(graphene.ObjectType):
    key = graphene.String(required=True)
    title = graphene.String(required=True)
    description = graphene.String(required=True)
    defaults = JSON(required=True, description="Editable thresholds.")

    @staticmethod
    def all():
        return [
            CRMSegmentPreset(
                key=k, title=p.title, description=p.description, defaults=p.defaults
            )
            for k, p in PRESETS.items()
        ]


class CRMSegmentCount(graphene.ObjectType):
    count = graphene.Int(required=True, description="Customers matching the rule.")
    total = graphene.Int(required=True, description="Customers in scope.")
    share = graphene.Float(required=True, description="count / total (0 when empty).")


class SegmentFilter(django_filters.FilterSet):
    kind = EnumFilter(input_class=CRMSegmentKindEnum, method="filter_kind")
    channel_slug = django_filters.CharFilter(field_name="channel__slug")
    search = django_filters.CharFilter(field_name="name", lookup_expr="icontains")

    class Meta:
        model = Segment
        fields = ["kind", "channel_slug", "search"]

    def filter_kind(self, qs, _name, value):
        return qs.filter(kind=value)


class CRMSegmentFilterInput(FilterInputObjectType):
    class Meta:
        filterset_class = SegmentFilter
