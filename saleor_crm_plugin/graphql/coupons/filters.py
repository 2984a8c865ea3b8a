import django_filters
from saleor.graphql.core.filters import (
    EnumFilter,
    FilterInputObjectType,
    GlobalIDMultipleChoiceFilter,
)
from saleor.graphql.utils import resolve_global_ids_to_primary_keys

from ...models import CouponDelivery, CouponRule
from .enums import (
    CRMCouponDeliveryMethodEnum,
    CRMCouponDeliveryStatusEnum,
    CRMCouponRuleStatusEnum,
    CRMCouponTriggerEnum,
)


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


class CouponDeliveryFilter(django_filters.FilterSet):
    rule = GlobalIDMultipleChoiceFilter(method="filter_rule")
    status = EnumFilter(input_class=CRMCouponDeliveryStatusEnum, method="filter_status")
    method = EnumFilter(input_class=CRMCouponDeliveryMethodEnum, method="filter_method")

    class Meta:
        model = CouponDelivery
        fields = ["rule", "status", "method"]

    def filter_status(self, qs, _name, value):
        return qs.filter(status=value)

    def filter_rule(self, qs, _name, value):
        if not value:
            return qs
        _, pks = resolve_global_ids_to_primary_keys(value, "CRMCouponRule")
        return qs.filter(rule_id__in=pks)

    def filter_method(self, qs, _name, value):
        return qs.filter(method=value)


class CRMCouponDeliveryFilterInput(FilterInputObjectType):
    class Meta:
        filterset_class = CouponDeliveryFilter
