import django_filters
from saleor.graphql.core.filters import EnumFilter, FilterInputObjectType

from ...models import CouponRule
from .enums import CRMCouponRuleStatusEnum, CRMCouponTriggerEnum


class CouponRuleFilter(django_filters.FilterSet):
    status = EnumFilter(input_class=CRMCouponRuleStatusEnum, method="filter_status")
    trigger = EnumFilter(input_class=CRMCouponTriggerEnum, method="filter_trigger")
    channel_slug = django_filters.CharFilter(field_name="channel__slug")
    search = django_filters.CharFilter(field_name="name", lookup_expr="icontains")

    class Meta:
        model = CouponRule
        fields = ["status", "trigger", "channel_slug", "search"]

    def filter_status(self, qs, _name, value):
        return qs.filter(status=value)

    def filter_trigger(self, qs, _name, value):
        return qs.filter(trigger=value)


class CRMCouponRuleFilterInput(FilterInputObjectType):
    class Meta:
        filterset_class = CouponRuleFilter
