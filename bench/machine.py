"""Facts about the machine a benchmark ran on, recorded with its figures."""

import os
import platform
import subprocess
from datetime import UTC, datetime
from pathlib import Path


def machine_info(saleor_dir: str | None = None) -> dict:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gb = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem_gb = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    pg = subprocess.run(
        ["psql", "--version"], capture_output=True, text=True, check=False
    ).stdout.strip()
    saleor = None
    if saleor_dir:
        for line in (Path(saleor_dir) / "pyproject.toml").read_text().splitlines():
            if line.startswith("version = "):
                saleor = line.split('"')[1]
                break
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": mem_gb,
        "python": platform.python_version(),
        "postgresql": pg,
        "saleor": saleor,
    }
