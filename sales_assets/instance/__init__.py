"""How the Dagster instance runs: its settings (`dagster.yaml`: one run at a time, run monitoring
with a health-checking launcher, run retries, a batching event log) and the classes they name."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

SETTINGS_FILE = Path(__file__).resolve().parent / "dagster.yaml"


def ensure_home(home: Path) -> Path:
    """A Dagster home with this project's instance settings (kept if it has settings already)."""
    home.mkdir(parents=True, exist_ok=True)
    if not (home / "dagster.yaml").exists():
        shutil.copy(SETTINGS_FILE, home / "dagster.yaml")
    return home


def dev_command(port: int) -> list[str]:
    """`make dev`: `dg dev` (webserver, daemon and code server) on 127.0.0.1 only, run from the
    project's directory (it finds the project by its pyproject.toml)."""
    return [str(Path(sys.executable).parent / "dg"), "dev", "--host", "127.0.0.1", "--port", str(port)]
