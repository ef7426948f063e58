"""The alert rules (deploy/prometheus/alerts.yml) and the Grafana dashboard
(deploy/grafana/parley.json) name only metrics the code exports, cover every row of the
README's alert table, and fit the Prometheus and Grafana configuration compose mounts.

"Exported" is what a service's ``/metrics`` serves: the families registered by every
service's modules (``services/*/src/*/metrics.py`` and whatever each ``main`` imports) plus
the HTTP instrumentator's, read from a real runtime app's ``/metrics`` and expanded into the
sample names Prometheus stores (``_total``, ``_bucket``, ``_sum``, ``_count``, ``_created``).
"""

from __future__ import annotations

import asyncio
import importlib
import json
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from parley_cli.services import SERVICES
from parley_embedder.settings import EmbedderSettings
from parley_runtime.app import create_service_app
from parley_schema.settings import ParleyBaseSettings
from prometheus_client.parser import text_string_to_metric_families

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
ALERTS = DEPLOY / "prometheus" / "alerts.yml"
PROMETHEUS = DEPLOY / "prometheus" / "prometheus.yml"
DASHBOARD = DEPLOY / "grafana" / "parley.json"
GRAFANA_PROVISIONING = DEPLOY / "grafana" / "provisioning"
README = ROOT / "README.md"

# Series Prometheus itself writes for every target; no code exports them.
PROMETHEUS_SERIES = frozenset({"up", "scrape_duration_seconds", "scrape_samples_scraped"})
SAMPLE_SUFFIXES = {
    "counter": ("_total", "_created"),
    "gauge": ("",),
    "histogram": ("_bucket", "_sum", "_count", "_created"),
    "summary": ("", "_sum", "_count", "_created"),
    "info": ("_info",),
}
PROMQL_WORDS = frozenset(
    {"by", "without", "on", "ignoring", "group_left", "group_right", "offset", "bool"}
    | {"and", "or", "unless", "atan2", "inf", "nan"}
)
DURATION = re.compile(r"^\d+(ms|[smhdwy])$")


def metric_names(expr: str) -> set[str]:
    """The metric names a PromQL expression selects (not functions, labels or keywords)."""
    text = re.sub(r'"(?:\\.|[^"\\])*"|\'(?:\\.|[^\'\\])*\'|`[^`]*`', '""', expr)
    text = re.sub(r"\{[^}]*\}", "", text)  # label matchers
    text = re.sub(r"\[[^\]]*\]", "", text)  # ranges and subqueries
    # Grouping clauses go: ``sum by (le) (…)`` becomes ``sum (…)``, a call.
    text = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", text)
    names = set()
    for match in re.finditer(r"(?<![\w.$])[a-zA-Z_:][\w:]*", text):
        rest = text[match.end() :].lstrip()
        if rest.startswith("("):
            continue  # a function or an aggregation
        if match[0] not in PROMQL_WORDS:
            names.add(match[0])
    return names


def job_selectors(expr: str) -> set[str]:
    """The values of ``job="…"`` and ``job=~"a|b"`` matchers."""
    jobs: set[str] = set()
    for value in re.findall(r'\bjob\s*=~?\s*"([^"]*)"', expr):
        jobs |= set(value.split("|"))
    return jobs


def test_metric_names_reads_selectors_not_functions_labels_or_durations() -> None:
    expr = (
        "histogram_quantile(0.99, sum by (le, handler) (rate(http_request_duration_seconds_bucket"
        '{job="search-api", handler="/v1/search"}[$__rate_interval]))) > 0.5 '
        "and on (job) up offset 5m unless deriv(max(queue_depth)[10m:1m]) > 1e3"
    )
    assert metric_names(expr) == {"http_request_duration_seconds_bucket", "up", "queue_depth"}
    assert job_selectors('up{job=~"ingest|auth"} or x{job="embedder"}') == {
        "ingest",
        "auth",
        "embedder",
    }


async def _scrape(app: Any) -> str:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://parley") as client:
        response = await client.get("/metrics")
    response.raise_for_status()
    return response.text


@pytest.fixture(scope="module")
def exported() -> dict[str, str]:
    """Every sample name the services export, mapped to its metric family."""
    for path in sorted(ROOT.glob("services/*/src/*/metrics.py")):
        importlib.import_module(f"{path.parent.name}.metrics")
    for spec in SERVICES:
        importlib.import_module(f"{spec.package}.main")
    app = create_service_app(service="metrics-check", settings=ParleyBaseSettings(), title="x")
    families = {
        family.name: family.type
        for family in text_string_to_metric_families(asyncio.run(_scrape(app)))
    }
    samples: dict[str, str] = {}
    for name, kind in families.items():
        # The text format lists a counter's or histogram's ``_created`` as a gauge of its own.
        family = name.removesuffix("_created") if name.endswith("_created") else name
        family = family if family in families else name
        for suffix in SAMPLE_SUFFIXES.get(kind, ("",)):
            samples[name + suffix] = family
    return samples


def _rules() -> list[dict[str, Any]]:
    document = yaml.safe_load(ALERTS.read_text())
    return [rule for group in document["groups"] for rule in group["rules"]]


def _dashboard() -> dict[str, Any]:
    dashboard: dict[str, Any] = json.loads(DASHBOARD.read_text())
    return dashboard


def _panel_exprs(dashboard: dict[str, Any]) -> dict[str, list[str]]:
    return {
        panel["title"]: [target["expr"] for target in panel.get("targets", [])]
        for panel in dashboard["panels"]
        if panel["type"] != "row"
    }


def _scrape_jobs() -> dict[str, dict[str, Any]]:
    config = yaml.safe_load(PROMETHEUS.read_text())
    return {job["job_name"]: job for job in config["scrape_configs"]}


def test_every_alert_rule_is_well_formed() -> None:
    groups = yaml.safe_load(ALERTS.read_text())["groups"]
    assert len({group["name"] for group in groups}) == len(groups)
    names = [rule["alert"] for rule in _rules()]
    assert len(set(names)) == len(names), "alert names repeat"
    for rule in _rules():
        assert re.fullmatch(r"Parley[A-Z]\w+", rule["alert"]), rule["alert"]
        assert rule["expr"].strip(), rule["alert"]
        assert rule["labels"]["severity"] in {"critical", "warning", "info"}, rule["alert"]
        assert rule["annotations"]["summary"], rule["alert"]
        assert rule["annotations"]["description"], rule["alert"]
        if "for" in rule:
            assert DURATION.match(rule["for"]), rule["alert"]
        assert rule["expr"].count("(") == rule["expr"].count(")"), rule["alert"]


def test_alert_rules_name_only_exported_metrics_and_scraped_jobs(
    exported: dict[str, str],
) -> None:
    jobs = set(_scrape_jobs())
    for rule in _rules():
        names = metric_names(rule["expr"])
        assert names, f"{rule['alert']} selects no metric"
        unknown = names - exported.keys() - PROMETHEUS_SERIES
        assert not unknown, f"{rule['alert']} uses metrics the code does not export: {unknown}"
        assert job_selectors(rule["expr"]) <= jobs, rule["alert"]


def test_every_metric_of_the_readme_alert_table_has_a_rule(exported: dict[str, str]) -> None:
    section = README.read_text().split("### Metrics and alerts", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    assert rows, "the README has no alert table"
    alerted = {exported.get(name, name) for rule in _rules() for name in metric_names(rule["expr"])}
    for row in rows:
        for metric in re.findall(r"`([a-z_:]+)[`{]", row.split("|")[1]):
            family = exported.get(metric, metric.removesuffix("_total"))
            assert family in alerted or metric in PROMETHEUS_SERIES, f"no rule alerts on {metric}"


def test_dashboard_panels_name_only_exported_metrics_and_scraped_jobs(
    exported: dict[str, str],
) -> None:
    dashboard = _dashboard()
    jobs = set(_scrape_jobs())
    panels = _panel_exprs(dashboard)
    assert panels, "the dashboard has no panels"
    for title, exprs in panels.items():
        assert exprs, f"panel {title!r} has no query"
        for expr in exprs:
            unknown = metric_names(expr) - exported.keys() - PROMETHEUS_SERIES
            assert not unknown, f"panel {title!r} uses metrics the code does not export: {unknown}"
            assert job_selectors(expr) <= jobs, title
    shown = {
        exported.get(n, n) for exprs in panels.values() for e in exprs for n in metric_names(e)
    }
    parley_families = {family for family in exported.values() if family.startswith("parley_")}
    assert parley_families <= shown, f"no panel shows {sorted(parley_families - shown)}"


def test_dashboard_is_importable_and_uses_its_datasource_variable() -> None:
    dashboard = _dashboard()
    assert dashboard["uid"]
    assert dashboard["title"]
    ids = [panel["id"] for panel in dashboard["panels"]]
    assert len(set(ids)) == len(ids), "panel ids repeat"
    variables = {v["name"]: v for v in dashboard["templating"]["list"]}
    assert variables["datasource"]["type"] == "datasource"
    assert variables["datasource"]["query"] == "prometheus"
    for panel in dashboard["panels"]:
        if panel["type"] == "row":
            continue
        grid = panel["gridPos"]
        assert grid["x"] + grid["w"] <= 24, panel["title"]
        for target in [panel, *panel["targets"]]:
            assert target["datasource"] == {"type": "prometheus", "uid": "${datasource}"}


def test_prometheus_scrapes_every_service_on_its_metrics_port() -> None:
    jobs = _scrape_jobs()
    defaults = ParleyBaseSettings()
    # The optional suggestions process (off by default) exports no metrics: its log says
    # what it posted and skipped.
    for spec in (s for s in SERVICES if s.enabled_setting is None):
        job = jobs[spec.name]
        port = spec.port(defaults) or EmbedderSettings().metrics_port
        if spec.port(defaults) is None:  # replicas: every address the service name has
            assert job["dns_sd_configs"] == [{"names": [spec.name], "type": "A", "port": port}]
        else:
            assert job["static_configs"] == [{"targets": [f"{spec.name}:{port}"]}]
        assert job.get("metrics_path", "/metrics") == "/metrics"
    rule_files = yaml.safe_load(PROMETHEUS.read_text())["rule_files"]
    compose = yaml.safe_load((DEPLOY / "compose.yml").read_text())
    mounts = compose["services"]["prometheus"]["volumes"]
    assert rule_files == ["/etc/prometheus/alerts.yml"]
    assert "./prometheus/alerts.yml:/etc/prometheus/alerts.yml:ro" in mounts
    assert "./prometheus/prometheus.yml:/etc/prometheus/prometheus.yml:ro" in mounts


def test_grafana_provisions_the_datasource_and_the_dashboard() -> None:
    compose = yaml.safe_load((DEPLOY / "compose.yml").read_text())
    mounts = compose["services"]["grafana"]["volumes"]
    datasources = yaml.safe_load(
        (GRAFANA_PROVISIONING / "datasources" / "prometheus.yml").read_text()
    )
    (datasource,) = datasources["datasources"]
    assert datasource["type"] == "prometheus"
    assert datasource["url"] == "http://prometheus:9090"
    providers = yaml.safe_load((GRAFANA_PROVISIONING / "dashboards" / "parley.yml").read_text())
    (provider,) = providers["providers"]
    directory = provider["options"]["path"]
    assert f"./grafana/parley.json:{directory}/parley.json:ro" in mounts
    assert "./grafana/provisioning:/etc/grafana/provisioning:ro" in mounts
