"""The package layout: layered imports (import-linter), a README that names every folder, small modules."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import il6analysis

PACKAGE = Path(il6analysis.__file__).parent
MAX_MODULE_LINES = 400


def _lint_imports(repo_root: Path, pythonpath: Path | None = None) -> subprocess.CompletedProcess:
    env = None
    if pythonpath is not None:
        import os

        env = {**os.environ, "PYTHONPATH": str(pythonpath)}
    script = Path(sys.executable).parent / "lint-imports"
    return subprocess.run([str(script), "--config", str(repo_root / "pyproject.toml"), "--no-cache"],
                          capture_output=True, text=True, env=env, cwd=pythonpath or repo_root)


def test_import_contracts_are_kept(repo_root):
    result = _lint_imports(repo_root)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 kept, 0 broken" in result.stdout


def test_import_contract_fails_when_curated_imports_reporting(repo_root, tmp_path):
    copy = tmp_path / "il6analysis"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__", "data"))
    names = copy / "curated" / "names.py"
    names.write_text(names.read_text() + "\nfrom il6analysis.reporting import runner  # noqa\n")
    result = _lint_imports(repo_root, pythonpath=tmp_path)
    assert result.returncode != 0
    assert "BROKEN" in result.stdout and "il6analysis.curated.names -> il6analysis.reporting.runner" in result.stdout


def _readme_folders(repo_root: Path) -> set[str]:
    text = (repo_root / "README.md").read_text(encoding="utf-8")
    section = text.split("## Architecture", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"^- `il6analysis/([a-z_]+)/`", section, flags=re.M))


def test_readme_architecture_names_every_package_folder(repo_root):
    folders = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()}
    assert _readme_folders(repo_root) == folders


def test_tests_mirror_the_package_folders(repo_root):
    folders = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()}
    test_folders = {p.name for p in (repo_root / "tests").iterdir() if p.is_dir() and p.name not in ("fixtures", "__pycache__")}
    assert test_folders == folders


def test_no_module_is_over_the_size_limit():
    long = {str(p.relative_to(PACKAGE)): n for p in PACKAGE.rglob("*.py")
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES}
    assert not long, f"modules over {MAX_MODULE_LINES} lines: {long}"
