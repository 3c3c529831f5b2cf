"""The dbt project, with its manifest prepared at install time (`make` runs `dbt parse` when a
dbt file changes), so loading definitions never runs dbt."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from dagster_dbt import DbtProject

DBT_PROJECT_DIR = Path(__file__).resolve().parent.parent / "dbt_project"

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)


def dbt_executable() -> str:
    """The dbt installed beside this interpreter, so a venv works without being on PATH."""
    beside = Path(sys.executable).parent / "dbt"
    return str(beside) if beside.exists() else (shutil.which("dbt") or "dbt")


def manifest_is_stale() -> bool:
    """True when a dbt file changed after the manifest was built (`make` rebuilds it).

    A stale manifest makes Dagster's assets and checks disagree with what dbt runs, which fails
    runs on the first unknown test; saying so at load time names the fix.
    """
    manifest = dbt_project.manifest_path
    if not manifest.exists():
        return True
    built = manifest.stat().st_mtime
    sources = (
        path
        for path in DBT_PROJECT_DIR.rglob("*")
        if path.suffix in {".sql", ".yml"} and not {"target", "logs"} & set(path.relative_to(DBT_PROJECT_DIR).parts)
    )
    return any(path.stat().st_mtime > built for path in sources)
