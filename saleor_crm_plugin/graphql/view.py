"""Serves the CRM schema through Saleor's own ``GraphQLView``: Saleor authenticates
the request (staff JWT, app token, dashboard-extension token), applies its
middleware and formats errors exactly as on ``/graphql/``."""

from functools import cache

from django.views.decorators.csrf import csrf_exempt
from saleor.graphql.api import backend
from saleor.graphql.app.dataloaders import get_app_promise
from saleor.graphql.views import GraphQLView


@cache
def _view():
    from django.conf import settings

    from .core.validation import InputGuardMiddleware
    from .schema import schema

    # Saleor's configured GraphQL middleware, then the CRM's input guard
    middleware = [GraphQLView.import_middleware(name)
                  for name in settings.GRAPHQL_MIDDLEWARE or []]
    return csrf_exempt(GraphQLView.as_view(
        backend=backend, schema=schema,
        middleware=[*middleware, InputGuardMiddleware()]))


def crm_graphql_view(request):
    # Saleor resolves the calling app only for requests to its own /graphql/ path;
    # resolve it here the same way so app tokens authenticate on this endpoint too.
    if not hasattr(request, "app"):
        request.dataloaders = getattr(request, "dataloaders", {})
        request.app = get_app_promise(request).get()
    return _view()(request)
