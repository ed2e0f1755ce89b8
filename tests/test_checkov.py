"""Security posture of what we generate: checkov over every service chart, every environment.

Every answers file under ``examples/``, those of the service-chart tests, and one with every
optional service part are rendered;
every service chart is rendered with Helm for every environment exactly as Argo CD does it
(values.yaml + values-<env>.yaml, release <service>-<env>, namespace <service><suffix>), and
checkov's Kubernetes checks run over those manifests and over the plain manifests of the
generated repository. Zero failed checks are allowed except the justified skips in
``checkov-skips.yaml`` (a skip that no longer fires must be removed from the list).

checkov pins versions that clash with ours (packaging, among others), so it lives in its own
virtualenv: ``python -m venv /tmp/checkov-venv && /tmp/checkov-venv/bin/pip install checkov``,
then ``SCAFFOLD_CHECKOV=/tmp/checkov-venv/bin/checkov pytest tests/test_checkov.py``. Without
it the test is skipped, except in CI (``CI=true``), where it makes ``.venv-checkov`` itself.
As a script: ``python tests/test_checkov.py [OUT_DIR]`` renders the
manifests (kept in OUT_DIR when given) and prints checkov's findings against the skip list.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

# The repository root, so `tests.` imports resolve when this file runs as a script.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gitops_scaffold.context import resolve
from gitops_scaffold.model import Answers
from gitops_scaffold.render import flatten, render
from tests.factory import ROOT, minimal
from tests.helm_checks import load_values, render_manifests, write_tree

SKIPS_FILE = Path(__file__).with_name("checkov-skips.yaml")

# Every optional part of a service, so every template of the chart renders.
EVERYTHING = minimal(
    services=[
        {
            "name": "full",
            "team": "web",
            "image": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/full",
            "tag": "v3.2.1",
            "port": 9090,
            "health_path": "/healthz",
            "replicas": 3,
            "migrations": {"command": ["./manage.py", "migrate"]},
            "ingress": {"host": "full.apps.example.com", "path": "/api"},
            "autoscaling": {"min": 2, "max": 8, "cpu": 60},
            "database_secret": "prod/full/db",
        },
        {"name": "bare", "team": "web", "image": "ghcr.io/acme/bare", "tag": "1.0.0"},
    ],
    notifications={"slack": {"deployments": "deploys", "alerts": "alerts"}},
    image_updater={"registry": "123456789012.dkr.ecr.eu-west-1.amazonaws.com"},
)


def answers_sets() -> dict[str, dict[str, Any]]:
    """The examples, the answers the chart tests use, and one with every optional part."""
    from tests import test_service_chart

    sets = {
        path.parent.name: yaml.safe_load(path.read_text())
        for path in sorted(ROOT.glob("examples/*/scaffold.yaml"))
    }
    sets["everything"] = EVERYTHING
    sets["chart-tests-minimal"] = test_service_chart.MINIMAL
    sets["chart-tests-wide"] = test_service_chart.WIDE
    return sets


def render_all(out: Path) -> dict[str, int]:
    """Repos under out/repos, one folder of manifests per (answers, service, env) under out/manifests."""
    counts = Counter[str]()
    for name, data in answers_sets().items():
        view = resolve(Answers.model_validate(data))
        repo = write_tree(flatten(render(view)), out / "repos" / name)
        for service in view["services"]:
            chart = repo / "apps" / "services" / service["name"]
            for env in view["environments"]:
                release = f"{service['name']}-{env['name']}"
                values = load_values(chart, f"values-{env['name']}.yaml")
                manifests = render_manifests(
                    chart, values, name=release, namespace=service["namespaces"][env["name"]]
                )
                target = out / "manifests" / name / release
                target.mkdir(parents=True)
                for template, text in manifests.items():
                    if text.strip():
                        (target / Path(template).name).write_text(text, encoding="utf-8")
                counts["renders"] += 1
    return dict(counts)


def checkov_command() -> list[str] | None:
    explicit = os.environ.get("SCAFFOLD_CHECKOV")
    if explicit:
        return [explicit]
    found = shutil.which("checkov")
    if found:
        return [found]
    try:
        import checkov  # type: ignore[import-not-found]  # noqa: F401
    except ImportError:
        return _ci_checkov()
    return [sys.executable, "-m", "checkov.main"]


def _ci_checkov() -> list[str] | None:
    """In CI (CI=true), checkov in a virtualenv of its own (its pins clash with ours), made once."""
    if os.environ.get("CI", "").lower() not in {"true", "1"}:
        return None
    venv = Path(__file__).resolve().parents[1] / ".venv-checkov"
    executable = venv / "bin" / "checkov"
    if not executable.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run(
            [str(venv / "bin" / "pip"), "install", "--quiet", "checkov>=3.2"], check=True, timeout=900
        )
    return [str(executable)]


def run_checkov(command: list[str], folder: Path) -> dict[str, Any]:
    completed = subprocess.run(
        [
            *command,
            "-d",
            str(folder),
            "--framework",
            "kubernetes",
            "--output",
            "json",
            "--compact",
            "--skip-download",
            "--skip-path",
            "/templates/",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode not in (0, 1):
        raise RuntimeError(f"checkov failed ({completed.returncode}): {completed.stderr[-2000:]}")
    report = json.loads(completed.stdout)
    reports: list[dict[str, Any]] = report if isinstance(report, list) else [report]
    failed: list[dict[str, Any]] = []
    summary = Counter[str]()
    for part in reports:
        for key in ("passed", "failed", "parsing_errors", "resource_count"):
            summary[key] += int(part.get("summary", part).get(key, 0))
        failed += part.get("results", {}).get("failed_checks", [])
    return {"summary": dict(summary), "failed": failed}


def unexpected_and_stale(failed: list[dict[str, Any]], skips: dict[str, Any]) -> tuple[list[str], list[str]]:
    unexpected = sorted(
        {
            f"{f['check_id']} {f['check_name']}: {f['resource']} in {f['file_path']}"
            for f in failed
            if f["check_id"] not in skips
        }
    )
    fired = {f["check_id"] for f in failed}
    stale = sorted(check for check in skips if check not in fired)
    return unexpected, stale


def load_skips() -> dict[str, Any]:
    skips: dict[str, Any] = yaml.safe_load(SKIPS_FILE.read_text())
    for check, entry in skips.items():
        assert entry.get("reason", "").strip(), f"{check}: every skip needs its reason"
    return skips


@pytest.fixture(scope="module")
def scanned(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    command = checkov_command()
    if command is None:
        pytest.skip("checkov is not installed (set SCAFFOLD_CHECKOV to its executable)")
    out = tmp_path_factory.mktemp("checkov")
    counts = render_all(out)
    charts = run_checkov(command, out / "manifests")
    plain = run_checkov(command, out / "repos")
    return {"counts": counts, "charts": charts, "plain": plain}


def test_every_rendered_chart_passes_checkov_but_the_documented_skips(scanned: dict[str, Any]) -> None:
    charts = scanned["charts"]
    assert scanned["counts"]["renders"] >= 50
    assert charts["summary"]["parsing_errors"] == 0
    assert charts["summary"]["resource_count"] >= 8 * scanned["counts"]["renders"]
    assert charts["summary"]["passed"] > 0
    unexpected, stale = unexpected_and_stale(charts["failed"] + scanned["plain"]["failed"], load_skips())
    assert unexpected == [], "\n".join(unexpected)
    assert stale == [], f"these skips no longer fire; remove them from {SKIPS_FILE.name}: {stale}"


def test_the_plain_manifests_parse_for_checkov(scanned: dict[str, Any]) -> None:
    assert scanned["plain"]["summary"]["parsing_errors"] == 0


def main() -> None:
    command = checkov_command()
    if command is None:
        raise SystemExit("checkov not found: set SCAFFOLD_CHECKOV to its executable, or put it on PATH")
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp(prefix="scaffold-checkov-"))
    shutil.rmtree(out, ignore_errors=True)
    counts = render_all(out)
    charts = run_checkov(command, out / "manifests")
    plain = run_checkov(command, out / "repos")
    failed = charts["failed"] + plain["failed"]
    unexpected, stale = unexpected_and_stale(failed, load_skips())
    print(
        f"{counts['renders']} chart renders; charts {charts['summary']}; plain manifests {plain['summary']}"
    )
    for check, count in sorted(Counter(f["check_id"] for f in failed).items()):
        print(f"  {check}: {count} failed (skipped: documented in {SKIPS_FILE.name})")
    for line in unexpected:
        print(f"  UNEXPECTED {line}")
    for check in stale:
        print(f"  STALE SKIP {check}")
    print(f"manifests in {out}")
    raise SystemExit(1 if unexpected or stale else 0)


if __name__ == "__main__":
    main()
