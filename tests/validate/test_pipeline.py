"""validate's render pipeline (issue 15): each chart linted once, jsonschema-rs verdicts, the
process pool and the render cache change how fast, never what is found.

"The old path" below is what validate did before: `helm lint` with every render's values and
only the pure-Python jsonschema validators. It is reproduced by forcing a fresh lint signature
for every render and turning jsonschema-rs off, and must find exactly what the new path finds.
No timing is asserted here (see benchmarks/)."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import pytest

from gitops_scaffold.validate import Options, Report, validate
from gitops_scaffold.validate.argo import cache as cache_module
from gitops_scaffold.validate.argo import fastschema, pool, rendering
from tests.factory import init_repo, minimal

pytestmark = pytest.mark.slow

SERVICE = "apps/services/shop"
# Mistakes only some environments' values or renders show, and one every render shares.
MISTAKES = {
    # cart does not load: lint's Chart.yaml check names why
    "apps/services/cart/Chart.yaml": ('version: "0.1.0"', "version: not-a-version"),
    # prod only: a value that fails values.schema.json
    f"{SERVICE}/values-prod.yaml": ("replicas: ", "replicas: many #"),
}
# dev only: a name Kubernetes rejects (a lint-only warning) and a deprecated apiVersion
EXTRA_TEMPLATE = """\
{{- if eq .Values.environment "dev" }}
apiVersion: policy/v1beta1
kind: PodDisruptionBudget
metadata:
  name: Shop_Budget
spec:
  minAvailable: 1
  selector:
    matchLabels:
      app: shop
{{- end }}
"""


def four_env_answers() -> dict[str, Any]:
    return minimal(
        environments=[
            {"name": "dev", "cluster": "main"},
            {"name": "qa", "cluster": "main"},
            {"name": "staging", "cluster": "main"},
            {"name": "prod", "cluster": "main"},
        ],
        services=[
            {"name": "shop", "team": "web", "image": "ghcr.io/acme/shop", "tag": "v1.0.0"},
            {"name": "cart", "team": "web", "image": "ghcr.io/acme/cart", "tag": "v1.0.0"},
        ],
    )


@pytest.fixture(scope="module")
def mistaken(tmp_path_factory: pytest.TempPathFactory) -> Path:
    repo = init_repo(tmp_path_factory.mktemp("pipeline"), four_env_answers())
    for rel, (old, new) in MISTAKES.items():
        path = repo / rel
        text = path.read_text(encoding="utf-8")
        assert old in text, (rel, old)
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
    (repo / SERVICE / "templates" / "budget.yaml").write_text(EXTRA_TEMPLATE, encoding="utf-8")
    # every render of shop: a file lint rejects by its name alone
    (repo / SERVICE / "templates" / "notes.md").write_text("not a template\n", encoding="utf-8")
    return repo


def findings(report: Report) -> list[tuple[Any, ...]]:
    return [(f.file, f.line, f.rule, f.message, f.severity.name, f.context) for f in report.findings]


class Counter:
    """Counts renders and lints that really ran (not taken from the cache)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.renders = 0
        self.lints = 0
        run_job, lint = rendering.run_job, rendering.lint

        def counted_run(job: rendering.Job, *args: Any) -> dict[str, Any]:
            self.renders += 1
            return run_job(job, *args)

        def counted_lint(job: rendering.Job, **options: Any) -> list[dict[str, Any]]:
            self.lints += 1
            return lint(job, **options)

        monkeypatch.setattr(rendering, "run_job", counted_run)
        monkeypatch.setattr(rendering, "lint", counted_lint)


def touch_readme(repo: Path) -> None:
    """A change no render reads: the next run's report is worked out again (not reused whole)."""
    readme = repo / "README.md"
    readme.write_text(readme.read_text(encoding="utf-8") + "\n", encoding="utf-8")


def serial(**options: Any) -> Options:
    return Options(parallel=False, **options)


def test_lint_once_finds_exactly_what_the_old_path_found(
    mistaken: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with monkeypatch.context() as patch:
        counter = Counter(patch)
        new = validate(mistaken, serial(cache=False))
    rules = {(f.rule, f.file) for f in new.findings}
    assert ("GS111", "apps/services/cart/Chart.yaml") in rules  # the Chart.yaml version
    messages = " ".join(f.message for f in new.findings)
    assert "'.md' not valid" in messages
    assert "Shop_Budget" in messages  # dev's lint-only name check
    assert "policy/v1beta1" in messages  # dev's deprecated apiVersion
    assert any(f.rule == "GS112" and "values-prod.yaml" in f.file for f in new.findings)
    # shop: dev is linted, and qa (its render lacks dev's extra document), not staging (the
    # same as qa to lint's checks), not prod (it fails to render, as before); cart: every
    # render, since it does not load and lint names the reason.
    assert (counter.renders, counter.lints) == (8, 2 + 4)

    with monkeypatch.context() as patch:
        fresh = itertools.count()
        patch.setattr(rendering, "_lint_signature", lambda *args: str(next(fresh)))
        patch.setattr(fastschema, "compile_verdict", lambda *args, **kwargs: None)
        counter = Counter(patch)
        old = validate(mistaken, serial(cache=False))
    assert (counter.renders, counter.lints) == (8, 3 + 4)  # staging linted too
    assert findings(old) == findings(new)
    assert old.notes == new.notes


def test_pool_cache_and_serial_runs_agree(
    mistaken: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("SCAFFOLD_CACHE_DIR", str(tmp_path / "cache"))
    reference = validate(mistaken, serial(cache=False))
    monkeypatch.setattr(pool, "MIN_PARALLEL_JOBS", 1)  # spawn workers even for this small repo
    pooled = validate(mistaken, Options(parallel=True))  # cold cache, in worker processes
    assert findings(pooled) == findings(reference)
    assert pooled.notes == reference.notes
    counter = Counter(monkeypatch)
    touch_readme(mistaken)  # not the whole report again (memo.py): the renders from the cache
    warm = validate(mistaken, serial())
    assert counter.renders == 0 and counter.lints == 0
    assert findings(warm) == findings(reference)
    assert warm.notes == reference.notes


def test_a_warm_run_renders_nothing_and_no_cache_renders_everything(
    mistaken: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("SCAFFOLD_CACHE_DIR", str(tmp_path / "cache"))
    counter = Counter(monkeypatch)
    cold = validate(mistaken, serial())
    first = counter.renders
    assert first == cold.stats["renders"] > 0
    touch_readme(mistaken)
    validate(mistaken, serial())
    assert counter.renders == first  # nothing rendered again
    validate(mistaken, serial(cache=False))
    assert counter.renders == 2 * first


def test_a_changed_chart_is_rendered_again_the_rest_reused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = init_repo(tmp_path, four_env_answers())
    monkeypatch.setenv("SCAFFOLD_CACHE_DIR", str(tmp_path / "cache"))
    counter = Counter(monkeypatch)
    validate(repo, serial())
    first = counter.renders
    values = repo / "apps/services/cart/values.yaml"
    values.write_text(values.read_text(encoding="utf-8") + "\n# an edit\n", encoding="utf-8")
    validate(repo, serial())
    assert counter.renders - first == 4  # cart's four environments, not shop's


def entries(directory: Path) -> list[Path]:
    return sorted((directory / f"v{cache_module.FORMAT}").glob("*/*.json"))


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda raw: raw[: len(raw) // 2], id="torn"),
        pytest.param(lambda raw: raw.replace(b'"kind"', b'"kinx"', 1), id="edited"),
        pytest.param(lambda raw: raw.replace(b'"format": 1', b'"format": 99', 1), id="foreign-format"),
        pytest.param(lambda raw: b"\x00\xff garbage", id="garbage"),
    ],
)
def test_a_corrupt_or_foreign_entry_is_ignored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, damage: Any
) -> None:
    cache = cache_module.Cache(tmp_path)
    payload = {"kind": "Deployment", "items": [1, 2.5, None, True, "x"]}
    cache.put("ab" * 32, payload)
    assert cache.get("ab" * 32) == payload
    (entry,) = entries(tmp_path)
    entry.write_bytes(damage(entry.read_bytes()))
    assert cache.get("ab" * 32) is None
    # an entry copied under another key (a foreign entry) is not trusted either
    cache.put("cd" * 32, payload)
    (other,) = [e for e in entries(tmp_path) if e.name.startswith("cd")]
    moved = other.parent.parent / "ef" / ("ef" * 32 + ".json")
    moved.parent.mkdir()
    moved.write_bytes(other.read_bytes())
    assert cache.get("ef" * 32) is None


def test_a_corrupt_render_entry_is_rendered_again(
    mistaken: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("SCAFFOLD_CACHE_DIR", str(tmp_path / "cache"))
    reference = validate(mistaken, serial())
    for entry in entries(tmp_path / "cache"):
        entry.write_bytes(entry.read_bytes() + b" ")  # still JSON, no longer its checksum
    counter = Counter(monkeypatch)
    again = validate(mistaken, serial())
    assert counter.renders == reference.stats["renders"]
    assert findings(again) == findings(reference)


def test_the_key_changes_when_any_input_changes(tmp_path: Path) -> None:
    chart = tmp_path / "chart"
    chart.mkdir()
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: c\nversion: 0.1.0\n", encoding="utf-8")
    base = rendering.Job(str(chart), {"a": 1}, "rel", "ns", "1.33")
    fixed = {"format": "1", "scaffold": "0.1.0", "helm": "v4", "kubernetes_validate": "1.37"}
    chart_hash = cache_module.tree_hash(chart)
    key = rendering.render_key(base, chart_hash, fixed)
    variants = [
        rendering.render_key(rendering.Job(str(chart), {"a": 2}, "rel", "ns", "1.33"), chart_hash, fixed),
        rendering.render_key(rendering.Job(str(chart), {"a": 1}, "other", "ns", "1.33"), chart_hash, fixed),
        rendering.render_key(rendering.Job(str(chart), {"a": 1}, "rel", "ns2", "1.33"), chart_hash, fixed),
        rendering.render_key(rendering.Job(str(chart), {"a": 1}, "rel", "ns", "1.32"), chart_hash, fixed),
    ]
    for name in fixed:
        variants.append(rendering.render_key(base, chart_hash, {**fixed, name: "changed"}))
    (chart / "templates").mkdir()
    (chart / "templates" / "x.yaml").write_text("kind: ConfigMap\n", encoding="utf-8")
    variants.append(rendering.render_key(base, cache_module.tree_hash(chart), fixed))
    (chart / "templates" / "x.yaml").write_text("kind: Secret\n", encoding="utf-8")
    variants.append(rendering.render_key(base, cache_module.tree_hash(chart), fixed))
    assert len({key, *variants}) == len(variants) + 1
    assert key == rendering.render_key(
        rendering.Job(str(chart), {"a": 1}, "rel", "ns", "1.33"), chart_hash, fixed
    )
    lint_base = rendering.lint_key(base, chart_hash, fixed)
    lint_other = rendering.Job(str(chart), {"a": 1}, "rel", "ns", "1.33", lint_kube_version="1.30")
    assert lint_base != rendering.lint_key(lint_other, chart_hash, fixed)


def test_the_cache_stays_within_its_bound_dropping_the_least_recently_used(tmp_path: Path) -> None:
    import os

    cache = cache_module.Cache(tmp_path, max_bytes=4000)
    for number in range(10):
        key = f"{number:02d}" * 32
        cache.put(key, {"blob": "x" * 900})
        path = tmp_path / f"v{cache_module.FORMAT}" / key[:2] / f"{key}.json"
        os.utime(path, (1_000_000 + number, 1_000_000 + number))
    assert cache.get("00" * 32) is not None  # a hit makes the oldest the most recently used
    cache.trim()
    left = {p.name[:2] for p in entries(tmp_path)}
    assert sum(p.stat().st_size for p in entries(tmp_path)) <= 4000
    assert "00" in left and "01" not in left and "09" in left


def test_render_manifests_is_what_validate_rendered(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The entry `scaffold diff` calls: a warm cache after validate renders nothing."""
    from gitops_scaffold.validate.argo.helm import RenderRequest, ValueSource, compose_values

    repo = init_repo(tmp_path, four_env_answers())
    monkeypatch.setenv("SCAFFOLD_CACHE_DIR", str(tmp_path / "cache"))
    validate(repo, serial())
    chart = repo / "apps/services/shop"
    import yaml

    layers = [
        ValueSource(rel, yaml.safe_load((repo / rel).read_text(encoding="utf-8")))
        for rel in ("apps/services/shop/values.yaml", "apps/services/shop/values-dev.yaml")
    ]
    request = RenderRequest("apps/services/shop", layers, None, [], "shop-dev", "shop-dev", "")
    counter = Counter(monkeypatch)
    manifests = rendering.render_manifests(
        chart, compose_values(request), release="shop-dev", namespace="shop-dev"
    )
    assert counter.renders == 0
    assert any("kind: Deployment" in text for text in manifests.values())
    assert all(isinstance(text, str) for text in manifests.values())
    json.dumps(manifests)


def test_no_cache_option_reads_and_writes_no_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from gitops_scaffold.cli import app

    repo = init_repo(tmp_path, four_env_answers())
    monkeypatch.setenv("SCAFFOLD_CACHE_DIR", str(tmp_path / "cache"))
    result = CliRunner().invoke(app, ["validate", str(repo), "--no-cache", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["summary"]["renders"] == 8
    assert not (tmp_path / "cache").exists()
    result = CliRunner().invoke(app, ["validate", str(repo)])
    assert result.exit_code == 0, result.output
    assert entries(tmp_path / "cache")


def square(number: int) -> int:
    return number * number


def test_without_process_support_the_jobs_run_here_in_order(monkeypatch: pytest.MonkeyPatch) -> None:
    import multiprocessing

    def no_spawn(method: str | None = None) -> Any:
        raise ValueError(f"cannot find context for {method!r}")

    monkeypatch.setattr(multiprocessing, "get_context", no_spawn)
    monkeypatch.setattr(pool, "workers", lambda: 2)
    jobs = list(range(pool.MIN_PARALLEL_JOBS + 5))
    assert pool.run_all(square, jobs) == [n * n for n in jobs]
    workers = pool.Workers()
    assert workers.run_all(square, jobs) == [n * n for n in jobs]
    workers.close()


def test_worker_processes_keep_the_order_of_the_jobs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pool, "workers", lambda: 2)
    jobs = list(range(pool.MIN_PARALLEL_JOBS * 2))
    assert pool.run_all(square, jobs) == [n * n for n in jobs]


def test_a_chart_kept_loaded_renders_as_a_fresh_load(tmp_path: Path) -> None:
    """Consecutive jobs of one chart reuse its loaded copy; what Helm renders is the same."""
    repo = init_repo(tmp_path, four_env_answers())
    chart = repo / SERVICE
    chart_hash = cache_module.tree_hash(chart)
    jobs = [
        rendering.Job(str(chart), {"environment": env, "replicas": replicas}, f"shop-{env}", env, None)
        for env, replicas in (("dev", 1), ("prod", 3), ("dev", 2))
    ]
    kept = [rendering.run_job(job, chart_hash) for job in jobs]
    fresh = [rendering.run_job(job) for job in jobs]
    assert kept == fresh
    assert kept[0]["manifests"] != kept[1]["manifests"]


def test_workers_collect_go_garbage_less_often_unless_told(monkeypatch: pytest.MonkeyPatch) -> None:
    """Helm's Go runtime in a worker starts with GOGC=400 (less CPU), or with the user's GOGC."""
    import os

    monkeypatch.delenv("GOGC", raising=False)
    assert set(pool.run_all(os.getenv, ["GOGC"] * pool.MIN_PARALLEL_JOBS)) == {pool.WORKER_GOGC}
    assert os.environ.get("GOGC") is None  # the parent is left as it was
    monkeypatch.setenv("GOGC", "150")
    assert set(pool.run_all(os.getenv, ["GOGC"] * pool.MIN_PARALLEL_JOBS)) == {"150"}
