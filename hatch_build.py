"""Hatch build hook: the wheel carries the built Dashboard app.

Building the wheel runs ``npm ci && npm run build`` in ``dashboard_extension/``
when ``saleor_crm_plugin/static_app/index.html`` is missing (Vite writes the
bundle there), then adds ``static_app/`` to the wheel — it is gitignored, so hatch
would leave it out otherwise.

- ``CRM_SKIP_FRONTEND_BUILD=1``: never run npm; the wheel carries the bundle if
  one is already built, else none (the app route then answers 503 with how to
  build it).
- ``CRM_FRONTEND_REBUILD=1``: run the npm build even if a bundle exists.
- Editable installs (``pip install -e .``) never run npm: the route serves
  ``static_app/`` from the checkout, built whenever the developer builds it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

BUNDLE = Path("saleor_crm_plugin") / "static_app"
FRONTEND = Path("dashboard_extension")


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


class CustomBuildHook(BuildHookInterface):
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict) -> None:
        if self.target_name != "wheel" or version == "editable":
            return
        root = Path(self.root)
        bundle = root / BUNDLE
        built = (bundle / "index.html").is_file()
        if _flag("CRM_SKIP_FRONTEND_BUILD"):
            self.app.display_warning(
                "CRM_SKIP_FRONTEND_BUILD is set: not building the dashboard app"
                + ("" if built else " (the wheel will carry none)")
            )
        elif not built or _flag("CRM_FRONTEND_REBUILD"):
            self._build(root)
            built = (bundle / "index.html").is_file()
            if not built:
                raise RuntimeError(
                    f"npm run build wrote no {BUNDLE / 'index.html'}; check "
                    "the outDir in dashboard_extension/vite.config.ts"
                )
        if built:
            build_data["force_include"][str(bundle)] = str(BUNDLE)

    def _build(self, root: Path) -> None:
        frontend = root / FRONTEND
        if not (frontend / "package.json").is_file():
            raise RuntimeError(
                f"{FRONTEND}/package.json not found: build from a source checkout "
                "or set CRM_SKIP_FRONTEND_BUILD=1"
            )
        npm = shutil.which("npm")
        if npm is None:
            raise RuntimeError(
                "Building the wheel builds the dashboard app and needs Node 20 with "
                "npm on PATH (or set CRM_SKIP_FRONTEND_BUILD=1 to build a wheel "
                "without the app)."
            )
        for step in (["ci"], ["run", "build"]):
            self.app.display_info(f"dashboard app: npm {' '.join(step)}")
            subprocess.run([npm, *step], cwd=frontend, check=True)
