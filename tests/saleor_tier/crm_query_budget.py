"""Query accounting for Saleor's benchmarks run with the CRM plugin active
(registered by ``crm_saleor_benchmarks``).

Every SQL statement of a test is attributed by the Python stack that ran it:

* **the CRM's hooks** — a frame of the ``saleor_crm_plugin`` package, outside its
  Celery tasks;
* **the CRM's tasks** — a frame of one of its Celery tasks (every task is listed in
  ``saleor_crm_plugin.tasks``, each living in its area): in production a
  Celery worker runs them, not the request; Saleor's tests run tasks eagerly
  (``CELERY_TASK_ALWAYS_EAGER``), so they are counted apart and never held against
  Saleor's numbers;
* **Saleor's** — everything else.

Saleor's ``django_assert_num_queries`` / ``django_assert_max_num_queries`` compare
**Saleor's** statements with Saleor's own expected numbers, unchanged: the plugin
must not make Saleor do one query more. The CRM's hook statements are held to the
budget the README documents (Performance): at most ``HOOK_BUDGET[hook]`` statements
per call of a hook, checked over every test, including benchmarks that only record
their counts (``count_queries``). The savepoints the CRM opens in an on-commit
callback are not counted: Saleor calls the checkout and order hooks after its
commit (``call_event`` defers them to ``on_commit``), where the CRM opens none; in
Saleor's tests those callbacks run inside the test's transaction
(``captureOnCommitCallbacks``), where it does. The erasure runs inside Saleor's
delete transaction (a ``post_delete`` signal): its savepoint is counted.
"""

from __future__ import annotations

import sys
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.db import DEFAULT_DB_ALIAS, connections
from django.test.utils import CaptureQueriesContext

import saleor_crm_plugin
from saleor_crm_plugin import tasks as crm_tasks
from saleor_crm_plugin.pipeline import ingest
from saleor_crm_plugin.plugin import CRMPlugin
from saleor_crm_plugin.profiles import erasure as ingest_erasure

_PACKAGE = str(Path(saleor_crm_plugin.__file__).parent)
# the code objects of the CRM's Celery tasks (bound tasks' ``run`` is a method)
_TASKS = {
    getattr(task.run, "__func__", task.run).__code__
    for task in (getattr(crm_tasks, name) for name in crm_tasks.__all__)
}
_SAVEPOINT = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")
_DEFERRED = "captureOnCommitCallbacks"  # django.test.TestCase, Saleor's test client

# statements the CRM may run per call of a hook (README, "Performance")
HOOK_BUDGET = {
    # the membership lookup, which also records the signed-in customer's activity;
    # nothing for a guest without a code
    "checkout_created": 1,
    "checkout_updated": 1,
    # the order's fact (INSERT ... ON CONFLICT DO NOTHING); the rest is a task
    **{name: 1 for name in vars(CRMPlugin) if name.startswith("order_")},
    # a task is scheduled after the commit
    "customer_created": 0,
    "customer_updated": 0,
    # the erasure (hooks customer_deleted / account_deleted and the post_delete
    # signal) of a customer without CRM data: savepoint, tombstone upsert, lookup of
    # profiles, release; each profile deleted adds Django's cascade
    "erase_customer": 4,
}


def _origin() -> tuple[str, bool]:
    """Who runs the statement (``saleor``, ``hook``, ``task``) and whether inside
    an on-commit callback run by the test."""
    crm = deferred = False
    frame = sys._getframe(2)
    while frame is not None:
        code = frame.f_code
        if code in _TASKS:
            return "task", deferred
        if code.co_filename.startswith(_PACKAGE):
            crm = True
        elif code.co_name == _DEFERRED:
            deferred = True
        frame = frame.f_back
    return ("hook" if crm else "saleor"), deferred


class Tally:
    """An execute wrapper counting statements by origin."""

    def __init__(self):
        self.statements = {"saleor": [], "hook": [], "task": [], "savepoint": []}

    def __call__(self, execute, sql, params, many, context):
        origin, deferred = _origin()
        if (
            origin == "hook"
            and deferred
            and sql.lstrip().upper().startswith(_SAVEPOINT)
        ):
            origin = "savepoint"
        self.statements[origin].append(sql)
        return execute(sql, params, many, context)

    def crm(self) -> int:
        return sum(len(v) for k, v in self.statements.items() if k != "saleor")


@pytest.fixture(autouse=True)
def crm_hook_budget(crm_plugin_active, monkeypatch):
    """Counts the CRM's hook calls and statements over the whole test and fails it
    when the hooks ran more statements than their budget."""
    calls = dict.fromkeys(HOOK_BUDGET, 0)
    for name in HOOK_BUDGET:
        if name == "erase_customer":
            continue
        hook = getattr(CRMPlugin, name)

        def counted(self, *args, _hook=hook, _name=name, **kwargs):
            if self.active:
                calls[_name] += 1
            return _hook(self, *args, **kwargs)

        monkeypatch.setattr(CRMPlugin, name, counted)
    erase = ingest_erasure.erase_customer

    def counted_erasure(*args, **kwargs):
        calls["erase_customer"] += 1
        return erase(*args, **kwargs)

    # erase_customer_safely looks it up at each call
    monkeypatch.setattr(ingest, "erase_customer", counted_erasure)
    tally = Tally()
    connection = connections[DEFAULT_DB_ALIAS]
    with connection.execute_wrapper(tally):
        yield tally
    budget = sum(HOOK_BUDGET[name] * n for name, n in calls.items())
    spent = tally.statements["hook"]
    if len(spent) > budget:
        called = {name: n for name, n in calls.items() if n}
        pytest.fail(
            f"The CRM's hooks ran {len(spent)} statements, over their budget of "
            f"{budget} for the calls {called}:\n\n" + "\n\n".join(spent),
            pytrace=False,
        )


@contextmanager
def _assert_num_queries(
    config, num, exact=True, connection=None, info=None, *, using=None
):
    """pytest-django's ``django_assert_num_queries``, comparing Saleor's statements
    with ``num``; the CRM's are listed apart (and budgeted by ``crm_hook_budget``)."""
    if connection is None:
        connection = connections[using or DEFAULT_DB_ALIAS]
    tally = Tally()
    with (
        CaptureQueriesContext(connection) as context,
        connection.execute_wrapper(tally),
    ):
        yield context
    saleor = len(tally.statements["saleor"])
    if (saleor == num) if exact else (saleor <= num):
        return
    msg = (
        f"Expected Saleor to perform {num} queries {'' if exact else 'or less '}"
        f"but {saleor} were done (and {tally.crm()} by the CRM plugin)"
    )
    if info:
        msg += f"\n{info}"
    if config.getoption("verbose") > 0:
        msg += "\n\nSaleor's queries:\n\n" + "\n\n".join(tally.statements["saleor"])
        for origin in ("hook", "task", "savepoint"):
            if tally.statements[origin]:
                msg += f"\n\nThe CRM's ({origin}):\n\n" + "\n\n".join(
                    tally.statements[origin]
                )
    pytest.fail(msg)


@pytest.fixture
def django_assert_num_queries(pytestconfig):
    def assert_num_queries(num, connection=None, info=None, *, using=None):
        return _assert_num_queries(
            pytestconfig, num, True, connection, info, using=using
        )

    return assert_num_queries


@pytest.fixture
def django_assert_max_num_queries(pytestconfig):
    def assert_max_num_queries(num, connection=None, info=None, *, using=None):
        return _assert_num_queries(
            pytestconfig, num, False, connection, info, using=using
        )

    return assert_max_num_queries
