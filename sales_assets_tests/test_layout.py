"""The layout's rules, checked on the code: imports point down the layers, and modules stay small.

Layers, bottom up: `source/` (the contract the pipeline reads through) <- `core/` (settings,
partitions, resources, warehouses) <- `sandbox/` (what writes a source), `dashboard/` (the app),
`instance/` (how the Dagster instance runs) <- `defs/` (the definitions, by concern) <-
`definitions.py`, `run.py`, `measure/` (what assembles or drives the whole). Nothing imports from
`defs/` but `definitions.py` (and `defs/` itself).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "sales_assets"
ALLOWED = {
    "source": {"source"},
    "core": {"core", "source"},
    "instance": {"instance"},
    "sandbox": {"sandbox", "core", "source"},
    "dashboard": {"dashboard", "core", "source"},
    "defs": {"defs", "core", "source", "dashboard"},
    "definitions": {"defs", "core", "source"},
    "run": {"definitions", "core", "source", "sandbox", "instance"},
    "measure": {"measure", "definitions", "core", "source", "dashboard", "instance", "sandbox"},
}
LONG = 300  # lines; a longer module says why at its top ("Why ...")


def area(module: str) -> str:
    """`sales_assets.core.settings` -> `core`; `sales_assets.definitions` -> `definitions`."""
    return module.split(".")[1]


def modules() -> dict[str, Path]:
    return {
        ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts): path
        for path in PACKAGE.rglob("*.py")
        if path.name != "__init__.py"
    }


def imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("sales_assets."):
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.startswith("sales_assets.")}
    return found


def test_every_module_is_in_a_known_layer() -> None:
    assert {area(module) for module in modules()} == set(ALLOWED)


def test_imports_point_down_the_layers() -> None:
    upward = [
        f"{module} imports {imported}"
        for module, path in sorted(modules().items())
        for imported in sorted(imports(path))
        if area(imported) not in ALLOWED[area(module)]
    ]
    assert upward == []


def test_the_rules_see_an_upward_import(tmp_path: Path) -> None:
    """The check above, shown to work on a module that breaks the rules."""
    module = tmp_path / "warehouses.py"
    module.write_text(
        "from sales_assets.defs.ingest.assets import build_dlt_assets\nimport sales_assets.sandbox.writer\n"
    )
    found = imports(module)
    assert found == {"sales_assets.defs.ingest.assets", "sales_assets.sandbox.writer"}
    assert not {area(imported) for imported in found} & ALLOWED["core"]


def says_why(path: Path) -> bool:
    return "Why " in (ast.get_docstring(ast.parse(path.read_text())) or "")


def test_long_modules_say_why() -> None:
    unexplained = [
        f"{module} ({lines} lines)"
        for module, path in sorted(modules().items())
        if (lines := len(path.read_text().splitlines())) > LONG and not says_why(path)
    ]
    assert unexplained == []


def test_a_dagster_home_made_before_the_layout_still_loads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Its dagster.yaml named the run launcher and event log by their old module paths."""
    from dagster import DagsterInstance

    from sales_assets.instance import SETTINGS_FILE, ensure_home

    old = SETTINGS_FILE.read_text().replace("sales_assets.instance.", "sales_assets.")
    assert "module: sales_assets.event_log\n" in old and "module: sales_assets.run_launcher\n" in old
    (tmp_path / "dagster.yaml").write_text(old)
    ensure_home(tmp_path)
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path))
    assert (tmp_path / "dagster.yaml").read_text() == SETTINGS_FILE.read_text()
    with DagsterInstance.from_config(str(tmp_path)) as instance:
        assert type(instance.event_log_storage).__name__ == "BatchingSqliteEventLogStorage"


def test_dg_and_workspace_yaml_name_the_same_code_location() -> None:
    """Runs record their location's name: `dg dev` must serve the one `dagster` commands launch into."""
    import tomllib

    import yaml

    root = PACKAGE.parent
    dg = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["dg"]["project"]
    (entry,) = yaml.safe_load((root / "workspace.yaml").read_text())["load_from"]
    assert dg["code_location_name"] == entry["python_module"]["location_name"] == "sales_assets"
