"""The dbt project, with its manifest prepared at install time (`make` runs `dbt parse` when a
dbt file changes), so loading definitions never runs dbt; and the dbt CLI resource."""

from __future__ import annotations

import filecmp
import importlib.metadata
import os
import shutil
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

from dagster_dbt import DbtCliResource, DbtProject
from packaging import version

DBT_PROJECT_DIR = Path(__file__).resolve().parents[3] / "dbt_project"
PARTIAL_PARSE = "partial_parse.msgpack"

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


class SalesDbtCliResource(DbtCliResource):
    """dagster-dbt's CLI resource, with dbt's artifacts kept beside the warehouse's other state.

    `artifacts_dir` is where each invocation's target folder goes (DBT_TARGET_PATH) and where the
    partial parse is kept between invocations. dagster-dbt seeds every invocation with
    `<DBT_TARGET_PATH>/partial_parse.msgpack` but never keeps the one dbt writes back; dbt
    re-parses the whole project when its profile renders differently from that parse (another
    warehouse file: the tests, the benchmark), so without keeping it every invocation would pay
    a full parse. With it, a warehouse pays one parse, and the project's own parse (built by
    `make install` for the default warehouse) seeds the first.
    """

    artifacts_dir: str

    # Two dagster-dbt internals skipped, each paid on every run for nothing this project uses:
    # - the dbt version, which dagster-dbt learns by running `dbt --version` (it imports dbt and
    #   asks PyPI for the latest release: ~4 s per run), is the installed dbt-core package's;
    # - the in-process dbt adapter it builds for every invocation (it loads the project and all
    #   its macros: ~1.7 s) serves only `fetch_column_metadata()`, which this project does not use:
    #   on DuckDB it could not run anyway while dbt holds the file's write lock.
    @property
    def _cli_version(self) -> version.Version:
        return version.parse(importlib.metadata.version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args: Sequence[str]) -> None:
        return None

    @contextmanager
    def environment(self, values: Mapping[str, str]) -> Iterator[None]:
        """Run dbt invocations with these variables set (dagster-dbt hands dbt a copy of os.environ)."""
        target = Path(self.artifacts_dir)
        target.mkdir(parents=True, exist_ok=True)
        kept = target / PARTIAL_PARSE
        project_parse = dbt_project.target_path / PARTIAL_PARSE
        if not kept.exists() and project_parse.exists():
            shutil.copy(project_parse, kept)
        values = {**values, "DBT_TARGET_PATH": str(target)}
        previous = {name: os.environ.get(name) for name in values}
        os.environ.update(values)
        try:
            yield
        finally:
            for name, value in previous.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value

    def keep_partial_parse(self, invocation_target: Path) -> None:
        """Keep the parse an invocation wrote for the next one (atomically: runs may overlap)."""
        written = invocation_target / PARTIAL_PARSE
        kept = Path(self.artifacts_dir) / PARTIAL_PARSE
        if written.exists() and not (kept.exists() and filecmp.cmp(written, kept, shallow=False)):
            staging = kept.with_suffix(f".{os.getpid()}.tmp")
            shutil.copy(written, staging)
            os.replace(staging, kept)
