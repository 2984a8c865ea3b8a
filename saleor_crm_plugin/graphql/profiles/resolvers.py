from ...models import CustomerProfile
from ..core.validation import query_pk


def resolve_profile(user_id: int, channel_slug: str):
    return (
        CustomerProfile.objects.select_related("channel")
        .filter(user_id=user_id, channel__slug=channel_slug)
        .first()
    )


def resolve_customer_profile(customer_id: str, channel_slug: str):
    return resolve_profile(query_pk(customer_id, "User"), channel_slug)


def resolve_customer_profiles(customer_id: str):
    return list(
        CustomerProfile.objects.select_related("channel")
        .filter(user_id=query_pk(customer_id, "User"))
        .order_by("channel__slug")
    )
