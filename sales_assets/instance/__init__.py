"""How the Dagster instance runs: its settings (`dagster.yaml`: one run at a time, run monitoring
with a health-checking launcher, run retries, a batching event log) and the classes they name."""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

SETTINGS_FILE = Path(__file__).resolve().parent / "dagster.yaml"
# Classes the settings name that moved into this package with the layout of issue 13: a home made
# before it would no longer load (ModuleNotFoundError on every command).
MOVED_MODULES = {
    "sales_assets.event_log": "sales_assets.instance.event_log",
    "sales_assets.run_launcher": "sales_assets.instance.run_launcher",
}


def ensure_home(home: Path) -> Path:
    """A Dagster home with this project's instance settings (kept if it has settings already, with
    the module paths of classes that moved brought up to date)."""
    home.mkdir(parents=True, exist_ok=True)
    settings = home / "dagster.yaml"
    if not settings.exists():
        shutil.copy(SETTINGS_FILE, settings)
        return home
    text = settings.read_text()
    updated = text
    for old, new in MOVED_MODULES.items():
        updated = re.sub(rf"(module:\s*){re.escape(old)}[ \t]*$", rf"\g<1>{new}", updated, flags=re.MULTILINE)
    if updated != text:
        settings.write_text(updated)
    return home


def dev_command(port: int) -> list[str]:
    """`make dev`: `dg dev` (webserver, daemon and code server) on 127.0.0.1 only, run from the
    project's directory (it finds the project by its pyproject.toml)."""
    return [str(Path(sys.executable).parent / "dg"), "dev", "--host", "127.0.0.1", "--port", str(port)]
