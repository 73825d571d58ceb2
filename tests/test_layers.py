"""The package's layers (pyproject's [tool.importlinter] contracts): imports only point down.

The first test is the contract on the real tree; the others copy the package, add one upward
import and show that the same check then fails and names it.
"""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT = Path(sys.executable).with_name("lint-imports")


def _lint(tree: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    return subprocess.run([str(LINT), "--config", str(ROOT / "pyproject.toml"), "--no-cache"],
                          cwd=tree, env=env, capture_output=True, text=True, timeout=120)


def test_the_layers_hold() -> None:
    run = _lint(ROOT)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "0 broken" in run.stdout


@pytest.mark.parametrize(
    ("module", "upward", "broken"),
    [
        ("geometry.py", "scanner.cli.main",
         "scanner.geometry is not allowed to import scanner.cli"),
        ("detectors/base.py", "scanner.detectors.faces",
         "scanner.detectors.base is not allowed to import scanner.detectors.faces"),
        ("report/json.py", "scanner.batch.plan",
         "scanner.report is not allowed to import scanner.batch"),
        ("batch/journal.py", "scanner.batch.engines.work",
         "scanner.batch.journal is not allowed to import scanner.batch.engines"),
    ],
    ids=["leaf-to-cli", "base-to-implementation", "report-to-batch", "journal-to-engines"],
)
def test_an_upward_import_fails(tmp_path: Path, module: str, upward: str, broken: str) -> None:
    shutil.copytree(ROOT / "scanner", tmp_path / "scanner",
                    ignore=shutil.ignore_patterns("__pycache__", "static"), symlinks=True)
    target = tmp_path / "scanner" / module
    target.write_text(target.read_text(encoding="utf-8") + f"\nimport {upward}  # noqa\n",
                      encoding="utf-8")
    run = _lint(tmp_path)
    assert run.returncode != 0
    assert broken in run.stdout, run.stdout


def test_every_exception_lives_in_errors_py() -> None:
    """One error hierarchy: a class deriving from an exception anywhere else is refused."""
    import scanner.errors as errors

    names = {n for n, v in vars(errors).items() if isinstance(v, type)
             and issubclass(v, BaseException)} | {"Exception", "BaseException", "ValueError",
                                                  "OSError", "RuntimeError", "KeyError"}
    elsewhere = []
    for path in sorted((ROOT / "scanner").rglob("*.py")):
        if path.name == "errors.py" and path.parent.name == "scanner":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef) and any(
                    (b.id if isinstance(b, ast.Name) else getattr(b, "attr", "")) in names
                    or (b.id if isinstance(b, ast.Name) else "").endswith(("Error", "Exception"))
                    for b in node.bases):
                elsewhere.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name}")
    assert elsewhere == []
