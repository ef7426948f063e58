"""README.md must stay true: every setting a service reads is documented, nothing else is,
and the quick start names the commands CI and newcomers run."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

from parley_cli.services import SERVICES
from parley_schema.settings import ParleyBaseSettings
from pydantic_settings import BaseSettings

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()


def _variables(cls: type[BaseSettings]) -> set[str]:
    return {f"PARLEY_{name.upper()}" for name in cls.model_fields}


def _settings_classes() -> list[type[BaseSettings]]:
    classes: list[type[BaseSettings]] = [ParleyBaseSettings]
    for package in sorted({spec.package.split(".")[0] for spec in SERVICES}):
        module = importlib.import_module(f"{package}.settings")
        classes += [
            value
            for value in vars(module).values()
            if isinstance(value, type)
            and issubclass(value, ParleyBaseSettings)
            and value is not ParleyBaseSettings
        ]
    return classes


def _documented() -> set[str]:
    """Variables named in the first column of a README table row."""
    names: set[str] = set()
    for line in README.splitlines():
        if line.startswith("| `PARLEY_"):
            names |= set(re.findall(r"`(PARLEY_[A-Z0-9_]+)`", line.split("|")[1]))
    return names


def test_every_setting_is_documented_and_every_documented_setting_exists() -> None:
    read = set().union(*(_variables(cls) for cls in _settings_classes()))
    documented = _documented()
    assert read - documented == set(), "settings missing from README.md"
    assert documented - read == set(), "README.md documents settings no service reads"


def test_quick_start_names_the_demo_and_the_ci_test_command() -> None:
    quick_start = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    commands = re.findall(r"^(make \w+)", quick_start, re.MULTILINE)
    assert commands[:2] == ["make demo", "make test"]
    assert "make test" in (ROOT / ".ci" / "run").read_text()
