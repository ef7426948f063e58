"""deploy/compose.yml cannot be run here (no Docker engine), so its structure is checked so it
cannot rot: every build target exists, services wait for healthy dependencies and the one-shot
migration, ports and commands match the services, and every PARLEY_* variable is a setting.
No Parley service publishes a port (so /metrics never leaves the compose network); the proxy
profile's Caddy is the way in and routes only the public paths; the services believe
X-Forwarded-For from that proxy only, and serve no API docs unless asked to."""

from __future__ import annotations

import fnmatch
import importlib
import importlib.util
import ipaddress
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml
from parley_cli.services import SERVICES
from parley_schema.settings import ParleyBaseSettings

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
COMPOSE = DEPLOY / "compose.yml"
CADDYFILE = DEPLOY / "Caddyfile"
PARLEY_SERVICES = {spec.name: spec for spec in SERVICES}
HTTP_SERVICES = {name: spec for name, spec in PARLEY_SERVICES.items() if spec.port_setting}
PUBLIC_PATHS = ("/v1/search", "/v1/auth/login", "/v1/webhooks/chatwoot", "/docs", "/openapi.json")
INTERNAL_PATHS = ("/metrics", "/healthz", "/readyz", "/v1x", "/metrics/")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(COMPOSE.read_text())
    return document


def _dockerfile_targets(path: Path) -> set[str]:
    return set(re.findall(r"^FROM\s+\S+\s+AS\s+(\S+)\s*$", path.read_text(), re.MULTILINE | re.I))


def _stage(path: Path, target: str) -> str:
    """The text of one build stage of a Dockerfile."""
    stages = re.split(r"^(?=FROM\s)", path.read_text(), flags=re.MULTILINE)
    matching = [s for s in stages if re.match(rf"FROM\s+\S+\s+AS\s+{re.escape(target)}\s", s)]
    assert matching, f"no stage {target}"
    return matching[0]


def _settings_fields() -> set[str]:
    """Every PARLEY_* variable some service's settings class reads."""
    names = {f"PARLEY_{name.upper()}" for name in ParleyBaseSettings.model_fields}
    for package in sorted({spec.package.split(".")[0] for spec in SERVICES}):
        module = importlib.import_module(f"{package}.settings")
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, ParleyBaseSettings):
                names |= {f"PARLEY_{name.upper()}" for name in value.model_fields}
    return names


def test_every_parley_service_is_deployed_with_the_stack_it_needs(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert set(PARLEY_SERVICES) | {"postgres", "rabbitmq", "migrate"} <= set(services)
    assert services["postgres"]["image"].startswith("pgvector/pgvector:")
    assert "management" in services["rabbitmq"]["image"]


def test_every_build_names_an_existing_dockerfile_target(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        if "image" in service:
            assert ":" in service["image"], name
            assert not service["image"].endswith(":latest"), name
            continue
        build = service["build"]
        context = (DEPLOY / build["context"]).resolve()
        dockerfile = context / build["dockerfile"]
        assert dockerfile.is_file(), f"{name}: {dockerfile} is missing"
        assert build["target"] in _dockerfile_targets(dockerfile), name


def test_services_wait_for_healthy_dependencies_and_the_migration(compose: dict[str, Any]) -> None:
    services = compose["services"]
    for name in ("postgres", "rabbitmq"):
        assert services[name]["healthcheck"]["test"], name
    for name in PARLEY_SERVICES:
        depends = services[name]["depends_on"]
        assert depends["postgres"]["condition"] == "service_healthy", name
        assert depends["rabbitmq"]["condition"] == "service_healthy", name
        assert depends["migrate"]["condition"] == "service_completed_successfully", name
        assert services[name]["restart"] == "unless-stopped", name
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"


def _interpolate(value: str, environment: Mapping[str, str]) -> str:
    """Compose's ``${NAME:-default}`` interpolation (the only form the file uses)."""

    def substitute(match: re.Match[str]) -> str:
        return environment.get(match["name"]) or match["default"]

    return re.sub(r"\$\{(?P<name>\w+):-(?P<default>[^}]*)\}", substitute, value)


def _service_settings(
    compose: dict[str, Any], monkeypatch: pytest.MonkeyPatch, environment: Mapping[str, str]
) -> ParleyBaseSettings:
    """The settings a Parley service container starts with, for this interpolation env."""
    for name, value in compose["x-parley-service"]["environment"].items():
        monkeypatch.setenv(name, _interpolate(str(value), environment))
    return ParleyBaseSettings()


def test_http_services_publish_no_port_and_check_readiness(compose: dict[str, Any]) -> None:
    defaults = ParleyBaseSettings()
    for name, spec in PARLEY_SERVICES.items():
        service = compose["services"][name]
        assert "ports" not in service, f"{name} publishes a port: /metrics would be public"
        port = spec.port(defaults)
        if port is None:
            continue
        assert str(port) in service["expose"], name
        assert f"127.0.0.1:{port}/readyz" in " ".join(service["healthcheck"]["test"]), name


def test_only_the_proxy_profile_listens_beyond_loopback(compose: dict[str, Any]) -> None:
    defaults = ParleyBaseSettings()
    for name, service in compose["services"].items():
        if name == "proxy":
            continue
        for mapping in service.get("ports", []):
            assert str(mapping).startswith("127.0.0.1:"), f"{name} publishes {mapping}"
    proxy = compose["services"]["proxy"]
    assert proxy["profiles"] == ["proxy"]
    assert proxy["image"].startswith("caddy:")
    published = {str(mapping) for mapping in proxy["ports"]}
    for spec in HTTP_SERVICES.values():
        port = spec.port(defaults)
        assert f"{port}:{port}" in published, spec.name
    assert "./Caddyfile:/etc/caddy/Caddyfile:ro" in proxy["volumes"]
    for name in HTTP_SERVICES:
        assert proxy["depends_on"][name]["condition"] == "service_healthy", name


def _caddy_blocks(text: str) -> dict[str, str]:
    """Top-level blocks of a Caddyfile (snippets and sites) by their address line."""
    blocks: dict[str, str] = {}
    for match in re.finditer(r"^(\S[^\n{]*?)\s*\{\n(.*?)^\}", text, re.MULTILINE | re.DOTALL):
        blocks[match[1].strip()] = match[2]
    return blocks


def _caddy_path_matches(pattern: str, path: str) -> bool:
    """Caddy's ``path`` matcher: exact, or ``*`` as a wildcard (case-insensitive)."""
    return fnmatch.fnmatchcase(path.lower(), pattern.lower())


def test_the_proxy_routes_only_public_paths_to_each_service() -> None:
    blocks = _caddy_blocks(CADDYFILE.read_text())
    matcher = re.search(r"@public\s+path\s+(.+)", blocks["(public_paths)"])
    assert matcher, "the public_paths snippet names no paths"
    patterns = matcher[1].split()
    for path in PUBLIC_PATHS:
        assert any(_caddy_path_matches(p, path) for p in patterns), path
    for path in INTERNAL_PATHS:
        assert not any(_caddy_path_matches(p, path) for p in patterns), path
    assert "respond" in blocks["(not_found)"]
    assert "404" in blocks["(not_found)"]
    defaults = ParleyBaseSettings()
    for name, spec in HTTP_SERVICES.items():
        port = spec.port(defaults)
        site = blocks[f"{{$PUBLIC_HOST:localhost}}:{port}"]
        assert "import public_paths" in site, name
        assert f"reverse_proxy {name}:{port}" in site, name
        assert "import not_found" in site, name
        assert site.count("reverse_proxy") == 1, f"{name}: only @public paths are proxied"


def test_services_believe_forwarded_addresses_from_the_proxy_only(
    compose: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    proxy_address = ipaddress.ip_address(
        _interpolate(compose["services"]["proxy"]["networks"]["default"]["ipv4_address"], {})
    )
    subnet = ipaddress.ip_network(
        _interpolate(compose["networks"]["default"]["ipam"]["config"][0]["subnet"], {})
    )
    assert proxy_address in subnet
    settings = _service_settings(compose, monkeypatch, {})
    assert settings.trusted_proxies == [ipaddress.ip_network(f"{proxy_address}/32")]
    moved = _service_settings(compose, monkeypatch, {"PROXY_ADDRESS": "10.9.8.7"})
    assert moved.trusted_proxies == [ipaddress.ip_network("10.9.8.7/32")]


def test_api_docs_are_off_unless_asked_for(
    compose: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert _service_settings(compose, monkeypatch, {}).public_docs is False
    asked = _service_settings(compose, monkeypatch, {"PARLEY_PUBLIC_DOCS": "true"})
    assert asked.public_docs is True


def test_every_bind_mount_names_a_file_in_deploy(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        for volume in service.get("volumes", []):
            source = str(volume).split(":", 1)[0]
            if source.startswith("."):
                assert (DEPLOY / source).exists(), f"{name}: {source} is missing"


def test_images_run_each_service_as_parley_up_does_and_not_as_root(
    compose: dict[str, Any],
) -> None:
    dockerfile = DEPLOY / "Dockerfile"
    assert re.search(r"^USER parley$", _stage(dockerfile, "runtime"), re.MULTILINE)
    for name, spec in PARLEY_SERVICES.items():
        stage = _stage(dockerfile, compose["services"][name]["build"]["target"])
        assert f"{spec.package}.main:" in stage, name
        assert importlib.util.find_spec(f"{spec.package}.main") is not None, name
        assert "build-essential" not in stage, name


def test_every_configured_variable_is_a_setting(compose: dict[str, Any]) -> None:
    known = _settings_fields()
    configured = set(compose["x-parley-service"]["environment"])
    for name in PARLEY_SERVICES:
        configured |= set(compose["services"][name].get("environment", {}))
    for line in (DEPLOY / "env.example").read_text().splitlines():
        if line and not line.startswith("#"):
            configured.add(line.split("=", 1)[0])
    parley_names = {name for name in configured if name.startswith("PARLEY_")}
    assert parley_names, "the compose file configures no Parley setting"
    assert parley_names <= known, parley_names - known


def _workspace_dependencies(member: Path) -> set[str]:
    """The workspace members (as ``./libs/x`` paths) that ``member`` needs, transitively."""
    by_name = {
        tomllib.loads((path / "pyproject.toml").read_text())["project"]["name"]: path
        for path in [*ROOT.glob("libs/*"), *ROOT.glob("services/*")]
        if (path / "pyproject.toml").exists()
    }
    needed: set[str] = set()
    pending = [member]
    while pending:
        project = tomllib.loads((pending.pop() / "pyproject.toml").read_text())["project"]
        for requirement in project.get("dependencies", []):
            name = re.split(r"[\s\[<>=!~;]", requirement, maxsplit=1)[0]
            if name in by_name and name not in needed:
                needed.add(name)
                pending.append(by_name[name])
    return {f"./{by_name[name].relative_to(ROOT)}" for name in needed}


def test_each_image_installs_every_workspace_member_its_service_imports() -> None:
    dockerfile = DEPLOY / "Dockerfile"
    # A process of another member's package (the suggestions process of search-api) runs
    # from that member's image.
    members = {
        spec.package.split(".")[0].removeprefix("parley_").replace("_", "-") for spec in SERVICES
    }
    for name in sorted(members):
        stage = _stage(dockerfile, f"build-{name}")
        installed = set(re.findall(r"\./(?:libs|services)/[\w-]+", stage))
        missing = _workspace_dependencies(ROOT / "services" / name) - installed
        assert not missing, f"the {name} image lacks {sorted(missing)}"
