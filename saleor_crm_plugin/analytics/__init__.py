"""Analytics (issue 15): item analytics — repurchase intervals and due dates
(``repurchase``), top co-purchases (``copurchase``), their daily tasks
(``tasks_items``). Definitions and the plain-Python reference live in
``domain/items.py``. An area: it reads the other areas' tables (profiles, CRM
orders, purchase facts) but imports none of them; nothing but the pipeline,
graphql and the task registry imports it."""
