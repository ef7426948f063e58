"""The committed web bundle is exactly what its TypeScript sources build, and they typecheck.

The bundle is committed so that the Docker image, ``make demo`` and a fresh clone need no Node;
``make web`` rebuilds it (``npm ci`` from package-lock.json, then esbuild)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
WEB = ROOT / "services" / "search-api" / "web"
STATIC = ROOT / "services" / "search-api" / "src" / "parley_search_api" / "app" / "static"


@pytest.fixture(scope="module")
def node_modules() -> Path:
    for tool in ("node", "npm"):
        if shutil.which(tool) is None:
            pytest.fail(f"{tool} is missing: the web UI builds with Node 20 and npm")
    installed = WEB / "node_modules" / ".package-lock.json"
    if not installed.exists():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=WEB, check=True)
    return installed.parent


def test_the_committed_bundle_is_what_the_sources_build(node_modules: Path, tmp_path: Path) -> None:
    subprocess.run(["node", "build.mjs", str(tmp_path)], cwd=WEB, check=True)
    built = {path.name: path.read_bytes() for path in tmp_path.iterdir()}
    committed = {path.name: path.read_bytes() for path in STATIC.iterdir()}
    assert sorted(built) == sorted(committed)
    for name, content in built.items():
        assert content == committed[name], f"{name} differs from its sources: run make web"


def test_the_sources_typecheck(node_modules: Path) -> None:
    result = subprocess.run(
        ["npx", "--no-install", "tsc", "--noEmit"],
        cwd=WEB,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
