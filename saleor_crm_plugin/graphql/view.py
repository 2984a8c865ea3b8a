"""Serves the CRM schema through Saleor's own ``GraphQLView``: Saleor authenticates
the request (staff JWT, app token, dashboard-extension token), applies its
middleware and formats errors exactly as on ``/graphql/``.

Query cost: Saleor's view prices every request with its cost validator against
*Saleor's* schema and ``COST_MAP`` (module globals of ``saleor.graphql.views``,
whatever schema the view serves), where no ``crm…`` field exists — so every CRM
request would cost 0 and no limit would hold. ``CRMGraphQLView`` prices the request
with the same validator (``validate_query_cost``) against the CRM schema and
``cost.CRM_COST_MAP``, refuses it above ``GRAPHQL_QUERY_MAX_COMPLEXITY`` with
Saleor's ``QueryCostError`` before anything runs, and reports the cost in
``extensions.cost`` as Saleor does.

Middleware without promises: Saleor's view hands graphql-core a plain list of
middleware, which graphql-core wraps in a ``MiddlewareManager`` that turns every
resolved field into a ``Promise`` (``wrap_in_promise=True``). With the CRM's input
guard in the chain that made every field of every answer a promise — a year of
KPIs by day (366 periods x a dozen fields) spent about 0.5 s in the promise
machinery against 66 ms for its SQL. ``CRMGraphQLView`` passes the same
middleware in a manager that does not wrap (resolvers that return a promise,
such as dataloaders, still do)."""

from functools import cache

from django.conf import settings
from django.views.decorators.csrf import csrf_exempt
from graphql.execution import ExecutionResult
from graphql.execution.middleware import MiddlewareManager
from saleor.graphql.api import backend
from saleor.graphql.app.dataloaders import get_app_promise
from saleor.graphql.core.validators.query_cost import validate_query_cost
from saleor.graphql.metrics import record_graphql_query_cost, record_graphql_query_count
from saleor.graphql.views import GraphQLView, set_query_cost_on_result

from .cost import CRM_COST_MAP


class CRMGraphQLView(GraphQLView):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.middleware:
            # a field's value stays a plain value unless its resolver returns a
            # promise (graphql-core's default would wrap each one)
            self.middleware = MiddlewareManager(*self.middleware, wrap_in_promise=False)

    def execute_graphql_request(self, request, data):
        query, variables, operation_name = self.get_graphql_params(request, data)
        document, error = self.parse_query(query)
        if error is not None:
            # a missing or unparsable query: Saleor answers it
            return super().execute_graphql_request(request, data)
        cost, cost_errors = validate_query_cost(
            self.schema,
            document,
            variables,
            CRM_COST_MAP,
            settings.GRAPHQL_QUERY_MAX_COMPLEXITY,
        )
        if settings.GRAPHQL_QUERY_MAX_COMPLEXITY and cost_errors:
            kind = document.get_operation_type(operation_name)
            error_type = cost_errors[0].__class__.__name__
            record_graphql_query_count(operation_type=kind, error_type=error_type)
            record_graphql_query_cost(cost, operation_type=kind, error_type=error_type)
            return set_query_cost_on_result(
                ExecutionResult(errors=cost_errors, invalid=True), cost
            )
        result = super().execute_graphql_request(request, data)
        if isinstance(result, ExecutionResult) and result.extensions.get("cost"):
            # Saleor's figure was computed against its own schema (0 for CRM fields)
            set_query_cost_on_result(result, cost)
        return result


@cache
def _view():
    from .core.validation import InputGuardMiddleware
    from .schema import schema

    # Saleor's configured GraphQL middleware, then the CRM's input guard
    middleware = [
        GraphQLView.import_middleware(name)
        for name in settings.GRAPHQL_MIDDLEWARE or []
    ]
    return csrf_exempt(
        CRMGraphQLView.as_view(
            backend=backend,
            schema=schema,
            middleware=[*middleware, InputGuardMiddleware()],
        )
    )


def crm_graphql_view(request):
    # Saleor resolves the calling app only for requests to its own /graphql/ path;
    # resolve it here the same way so app tokens authenticate on this endpoint too.
    if not hasattr(request, "app"):
        request.dataloaders = getattr(request, "dataloaders", {})
        request.app = get_app_promise(request).get()
    return _view()(request)
