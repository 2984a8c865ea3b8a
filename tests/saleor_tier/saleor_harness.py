"""Loads Saleor's own root ``conftest.py`` (from ``$SALEOR_DIR``) as it is: its
fixture modules, its replica-connection setup and its options. Shared by the Saleor
test tier and the benchmarks under ``bench/``; both also get the CRM plugin active in
every test (``crm_fixtures.plugin``). The tier's ``conftest.py`` adds the rest of the
``crm_fixtures`` package."""

import importlib.util
import os
from pathlib import Path

_saleor_dir = Path(os.environ["SALEOR_DIR"])
_spec = importlib.util.spec_from_file_location(
    "saleor_root_conftest", _saleor_dir / "conftest.py"
)
_saleor_conftest = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_saleor_conftest)

pytest_plugins = [*_saleor_conftest.pytest_plugins, "crm_fixtures.plugin"]
pytest_addoption = _saleor_conftest.pytest_addoption
pytest_configure = _saleor_conftest.pytest_configure
pytest_collection_modifyitems = _saleor_conftest.pytest_collection_modifyitems
