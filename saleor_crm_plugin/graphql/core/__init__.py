"""What every CRM area's GraphQL shares: the base mutation and permission metas
(``mutations``), the one service-error mapping (``errors``), the error type
(``types``), input cleaning (``validation``), shared lookups such as
channel-or-error (``resolvers``), the export answer (``exports``) and small
conversions (``utils``)."""
