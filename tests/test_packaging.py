"""The package is installable, typed, documented, and its two environments agree."""

from __future__ import annotations

import re
import tomllib
from importlib import resources

import yaml

import il6analysis as il6


def _name_and_bound(requirement: str) -> tuple[str, str]:
    match = re.match(r"^([A-Za-z0-9_.-]+)(?:\[[^\]]*\])?\s*(.*)$", requirement.strip())
    assert match, requirement
    return match.group(1).lower(), match.group(2).replace(" ", "")


CONDA_FORGE_NAMES = {"duckdb": "python-duckdb"}
"""PyPI names whose conda-forge package is called differently."""


def test_environment_yml_matches_pyproject(repo_root):
    project = tomllib.loads((repo_root / "pyproject.toml").read_text())["project"]
    wanted = [*project["dependencies"]]
    for extra in project["optional-dependencies"].values():
        wanted += extra
    wanted.append(f"python{project['requires-python']}")
    environment = yaml.safe_load((repo_root / "environment.yml").read_text())
    conda = dict(_name_and_bound(d) for d in environment["dependencies"] if isinstance(d, str) and d != "pip")
    pip_entries = next(d["pip"] for d in environment["dependencies"] if isinstance(d, dict))
    assert "-e ." in pip_entries, "environment.yml must install the package itself"
    conda |= dict(_name_and_bound(d.split("#")[0].strip()) for d in pip_entries if d != "-e .")  # PyPI-only
    assert "conda-forge" in environment["channels"]
    for requirement in wanted:
        name, bound = _name_and_bound(requirement)
        name = CONDA_FORGE_NAMES.get(name, name)
        assert name in conda, f"{name} is in pyproject.toml but not in environment.yml"
        assert conda[name] == bound, f"{name}: pyproject says {bound!r}, environment.yml says {conda[name]!r}"
    expected = {CONDA_FORGE_NAMES.get(_name_and_bound(r)[0], _name_and_bound(r)[0]) for r in wanted}
    assert set(conda) == expected, "environment.yml lists packages pyproject.toml does not"


def test_package_is_typed_and_ships_its_data():
    files = resources.files("il6analysis")
    assert (files / "py.typed").is_file()
    for name in il6.list_datasets()["table"]:
        assert (files / "curated" / "data" / f"{name}.csv").is_file()


def test_public_api_is_declared_and_documented():
    assert len(set(il6.__all__)) == len(il6.__all__)
    for name in il6.__all__:
        obj = getattr(il6, name)
        if callable(obj):
            assert obj.__doc__ and obj.__doc__.strip(), f"{name} has no docstring"
