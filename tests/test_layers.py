"""The layers' arrows point inwards only (docs/architecture.md, "Packages"): no module imports a
layer above its own. Every import is read, including those inside functions, since a lazy
import is still an arrow."""
from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PROJECT = {"welfare", "dialogs", "state", "core", "bot", "integrations", "salpim", "bench"}
# What each layer may import of the project (itself always). `salpim.settings` and
# `salpim.logging_setup` are configuration, read by every outer layer; the CLI is the top.
MAY_IMPORT: dict[str, set[str]] = {
    "welfare": set(),
    "dialogs": {"welfare"},
    "state": {"welfare"},
    "core": {"welfare", "state", "dialogs"},
    "bot": {"welfare", "state", "dialogs", "core", "salpim.settings", "salpim.logging_setup"},
    "integrations": {"welfare", "state", "dialogs", "core", "bot", "salpim.settings", "salpim.logging_setup"},
}
# The domain uses the standard library and small pure libraries only.
DOMAIN_THIRD_PARTY = {"holidays", "transitions", "kiwipiepy"}


def imports_of(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append(node.module)
    return found


def _allowed(layer: str, module: str) -> bool:
    root = module.split(".")[0]
    if root not in PROJECT or root == layer:
        return True
    return any(module == a or module.startswith(a + ".") or root == a for a in MAY_IMPORT[layer])


@pytest.mark.parametrize("layer", sorted(MAY_IMPORT))
def test_no_layer_imports_one_above_it(layer: str) -> None:
    wrong = [f"{path.relative_to(ROOT)} imports {module}"
             for path in sorted((ROOT / layer).rglob("*.py")) if "migrations" not in path.parts
             for module in imports_of(path) if not _allowed(layer, module)]
    assert wrong == []


def test_the_domain_needs_only_the_standard_library_and_small_pure_libraries() -> None:
    allowed = set(sys.stdlib_module_names) | DOMAIN_THIRD_PARTY | {"welfare", "__future__"}
    wrong = [f"{path.relative_to(ROOT)} imports {module}" for path in sorted((ROOT / "welfare").rglob("*.py"))
             for module in imports_of(path) if module.split(".")[0] not in allowed]
    assert wrong == []


def test_the_checker_sees_a_wrong_arrow(tmp_path: Path) -> None:
    # The test above would pass on a checker that finds nothing: show it finds one.
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from bot.casework import handle\n", encoding="utf-8")
    assert not all(_allowed("state", m) for m in imports_of(module))
    assert all(_allowed("integrations", m) for m in imports_of(module))
