"""One chart x values render as a self-contained job: real Helm, the C YAML loader once, the
Kubernetes schema verdict of every rendered object, and (when asked) ``helm lint``.

A job takes and returns plain data only, so it runs the same in this process, in a worker
process (``pool.py``) or not at all (a cache hit, ``cache.py``). The outcome is JSON-able:

    {"error": null | {"kind": "load" | "helm", "text": str},
     "manifests": {template: text},
     "templates": [[template, yaml_error | null, [[object, schema_errors | null], ...]], ...],
     "lint_signature": str,        # what of the render `helm lint` looks at (see below)
     "lint": null | [message, ...], # `helm lint` with the same values, when it was asked for
     "cacheable": bool}

``render_manifests`` is the public entry for other commands (``scaffold diff``): the manifests
of one chart with one set of values, from the cache when an earlier run rendered them.

Why a lint signature: ``helm lint`` renders the chart again (as release ``test-release``) and
adds, to what a render reports, checks of the chart itself (Chart.yaml, dependencies, CRDs,
file extensions), which are the same for every set of values, and checks of each rendered
document: its top indent, YAML syntax, the metadata.name format, deprecated apiVersions, a
selector on workloads, and ``helm.sh/resource-policy`` inside a List. Values-schema and
template errors are the render's own. So a chart is linted with the first values it renders
with, and again only for values whose render differs in what those per-document checks read:
the signature holds exactly that (names with the release name taken out, as lint renders
with another).
"""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from gitops_scaffold import __version__
from gitops_scaffold.validate.argo.cache import Cache, digest, tree_hash
from gitops_scaffold.yaml_guard import load_all_plain

FORMAT = 1
_CHECKED_SUFFIXES = (".yaml", ".yml", ".json", ".tpl")
_kube: dict[str | None, Any] = {}  # per process: the Kubernetes schemas by version


class RenderFailed(Exception):
    """Helm could not load or render the chart; the message is Helm's."""


@dataclass(frozen=True)
class Job:
    chart_dir: str  # absolute
    values: dict[str, Any]
    release: str
    namespace: str
    kube_schemas: str | None  # the Kubernetes version whose schemas check objects (None: none)
    lint_kube_version: str | None = None  # `helm lint --kube-version`
    lint: bool = False  # also lint (after a successful render)
    lint_on_failure: bool = True  # lint when the chart does not load (it names the problem)


@functools.cache
def versions() -> dict[str, str]:
    """What besides a job's inputs decides its outcome (the same for a whole process)."""
    import helm_python

    return {
        "format": str(FORMAT),
        "scaffold": __version__,
        "helm": str(helm_python.helm_sdk_version()),
        "helm_python": str(getattr(helm_python, "__version__", "")),
        "kubernetes_validate": _kube_validate_version(),
    }


def _kube_validate_version() -> str:
    try:
        from importlib.metadata import version

        return version("kubernetes-validate")
    except Exception:  # not installed: no Kubernetes checks, a key of its own
        return "none"


def render_key(job: Job, chart_hash: str, fixed: dict[str, str]) -> str:
    return digest("render", fixed, chart_hash, job.values, job.release, job.namespace, job.kube_schemas)


def lint_key(job: Job, chart_hash: str, fixed: dict[str, str]) -> str:
    return digest("lint", fixed, chart_hash, job.values, job.namespace, job.lint_kube_version)


def run_job(job: Job, chart_hash: str = "") -> dict[str, Any]:
    """Render (and lint) one chart with one set of values; see the module docstring. With
    the chart's content hash, the chart stays loaded for the next job of the same chart."""
    import helm_python

    outcome: dict[str, Any] = {
        "error": None,
        "manifests": {},
        "templates": [],
        "lint_signature": "",
        "lint": None,
        "cacheable": True,
    }
    try:
        chart = _loaded_chart(job.chart_dir, chart_hash)
        manifests = chart.render(job.values, name=job.release, namespace=job.namespace)
    except (helm_python.HelmChartLoadError, helm_python.HelmChartInvalidError) as exc:
        outcome["error"] = {"kind": "load", "text": str(exc)}
        if job.lint_on_failure:
            outcome["lint"] = lint(job, rendered=False)
        return outcome
    except helm_python.HelmError as exc:
        outcome["error"] = {"kind": "helm", "text": str(exc)}
        return outcome
    outcome["manifests"] = manifests
    kube = _kube_schemas(job.kube_schemas)
    for template in sorted(manifests):
        text = manifests[template]
        if not text.strip() or not template.endswith(_CHECKED_SUFFIXES):
            continue
        try:
            loaded, plain = load_all_plain(text)
        except yaml.YAMLError as exc:
            outcome["templates"].append([template, str(exc), []])
            continue
        checked = []
        for doc in loaded:
            if isinstance(doc, dict) and _is_object(doc):
                checked.append([doc, _schema_errors(kube, doc)])
                outcome["cacheable"] = outcome["cacheable"] and (plain or _plain(doc))
        outcome["templates"].append([template, None, checked])
    outcome["lint_signature"] = _lint_signature(job, manifests, outcome["templates"])
    if job.lint:
        outcome["lint"] = lint(job)
    return outcome


# The chart the last job rendered, kept loaded while the jobs that follow render the same
# chart (a chart's environments are neighbours in a batch): its content hash, and the chart.
_last_chart: list[tuple[str, str, Any]] = []


def _loaded_chart(chart_dir: str, chart_hash: str) -> Any:
    """The loaded chart at ``chart_dir``; reused when its content hash is the last job's."""
    import helm_python

    if _last_chart and _last_chart[0][:2] == (chart_dir, chart_hash) and chart_hash:
        return _last_chart[0][2]
    while _last_chart:
        _last_chart.pop()[2].close()
    chart = helm_python.Chart.load(Path(chart_dir))
    _last_chart.append((chart_dir, chart_hash, chart))
    return chart


@dataclass(frozen=True)
class StoredJob:
    """A job whose fresh outcome the worker itself writes to the cache at ``cache_root``
    (serialising every outcome in the parent would be serial work on one core)."""

    job: Job
    chart_hash: str
    cache_root: str | None  # None: no cache (--no-cache)


def run_and_store(item: StoredJob) -> dict[str, Any]:
    """``run_job``, then the outcome stored as ``cached_run`` would store it."""
    outcome = run_job(item.job, item.chart_hash)
    if item.cache_root is not None:
        store(Cache(Path(item.cache_root)), item.job, item.chart_hash, versions(), outcome)
    return outcome


def warm_up(kube_schemas: str | None) -> None:
    """Import Helm and read the schemas in a fresh worker before its first job arrives."""
    import helm_python  # noqa: F401

    _kube_schemas(kube_schemas)


def lint(job: Job, *, rendered: bool = True) -> list[dict[str, Any]]:
    """`helm lint` with the job's values: its messages (severity, path, error).

    After a successful render the values met every values.schema.json (Helm's render checks
    them, subcharts' too), so lint need not check them again: a quarter of its time."""
    import helm_python

    report = helm_python.lint(
        Path(job.chart_dir),
        job.values,
        namespace=job.namespace,
        kube_version=f"v{job.lint_kube_version}.0" if job.lint_kube_version else None,
        skip_schema_validation=True if rendered else None,
    )
    return [dict(m) for m in report.get("messages", [])]


def _kube_schemas(version: str | None) -> Any:
    if version is None:
        return None
    if version not in _kube:
        from gitops_scaffold.validate.argo.schemas import KubeSchemas

        _kube[version] = KubeSchemas(version)
    return _kube[version]


def _schema_errors(kube: Any, doc: dict[str, Any]) -> list[list[Any]] | None:
    """[[key path, message], ...] from the Kubernetes schemas; None for a kind without one.
    Argo CD's own objects are checked against its CRDs by the caller, not here."""
    if kube is None or str(doc.get("apiVersion")).startswith("argoproj.io/"):
        return []
    errors = kube.errors(doc)
    return None if errors is None else [[list(path), message] for path, message in errors]


def _is_object(doc: dict[str, Any]) -> bool:
    return isinstance(doc.get("kind"), str) and isinstance(doc.get("apiVersion"), str)


def _plain(value: Any) -> bool:
    """JSON holds it exactly (no dates, bytes or non-string keys), so a cached copy is equal."""
    if isinstance(value, dict):
        return all(isinstance(k, str) and _plain(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_plain(v) for v in value)
    return value is None or isinstance(value, str | int | float | bool)


def _lint_signature(job: Job, manifests: dict[str, str], templates: list[list[Any]]) -> str:
    """What helm lint's per-document checks read from a render (module docstring)."""

    def unrelease(text: str) -> str:
        return text.replace(job.release, "\0") if job.release else text

    # Not the namespace: lint renders with it too, and its checks read only the parts below.
    parts: list[Any] = []
    for template in sorted(manifests):
        text = manifests[template]
        first = next((line for line in text.splitlines() if line.strip()), "")
        parts.append(
            [
                template,
                unrelease(first) if first[:1] in {" ", "\t"} else "",
                "matchLabels" in text or "matchExpressions" in text,
                "helm.sh/resource-policy" in text,
            ]
        )
    for template, error, checked in templates:
        kinds = []
        for doc, _ in checked:
            metadata = doc.get("metadata") if isinstance(doc.get("metadata"), dict) else {}
            kinds.append([doc.get("apiVersion"), doc.get("kind"), unrelease(str(metadata.get("name", "")))])
        parts.append([template, error is not None, kinds])
    return hashlib.sha256(json.dumps(parts, default=str).encode("utf-8")).hexdigest()


def render_manifests(
    chart_dir: Path,
    values: dict[str, Any],
    *,
    release: str,
    namespace: str,
    cache: Cache | None = None,
) -> dict[str, str]:
    """The manifests Helm renders for the chart at ``chart_dir`` with ``values`` (already
    composed, e.g. by ``helm.compose_values``), as {template path: text}; from the cache when
    ``scaffold validate`` (or an earlier call) rendered the same inputs. Raises RenderFailed."""
    job = Job(str(chart_dir.resolve()), values, release, namespace, default_kube_schemas())
    outcome = cached_run(job, tree_hash(chart_dir), cache if cache is not None else Cache())
    if outcome["error"]:
        raise RenderFailed(outcome["error"]["text"])
    return dict(outcome["manifests"])


def default_kube_schemas() -> str | None:
    """The Kubernetes version validate checks against by default (None without the extra)."""
    try:
        return str(_kube_schemas_default().version)
    except ImportError:
        return None


def _kube_schemas_default() -> Any:
    from gitops_scaffold.validate.argo.schemas import KubeSchemas

    return KubeSchemas(None)


def cached_run(job: Job, chart_hash: str, cache: Cache) -> dict[str, Any]:
    """``run_job`` through the cache (renders and lint results stored under their own keys)."""
    fixed = versions()
    key = render_key(job, chart_hash, fixed)
    outcome = cache.get(key)
    if not isinstance(outcome, dict):
        outcome = run_job(job, chart_hash)
        store(cache, job, chart_hash, fixed, outcome)
    elif job.lint and outcome.get("lint") is None and outcome["error"] is None:
        outcome["lint"] = cached_lint(job, chart_hash, fixed, cache)
    return outcome


def cached_lint(job: Job, chart_hash: str, fixed: dict[str, str], cache: Cache) -> list[dict[str, Any]]:
    key = lint_key(job, chart_hash, fixed)
    messages = cache.get(key)
    if not isinstance(messages, list):
        messages = lint(job)
        cache.put(key, messages)
    return messages


def store(cache: Cache, job: Job, chart_hash: str, fixed: dict[str, str], outcome: dict[str, Any]) -> None:
    """Cache a fresh outcome: the render without its lint, the lint under its own key."""
    if outcome["lint"] is not None and outcome["error"] is None:
        cache.put(lint_key(job, chart_hash, fixed), outcome["lint"])
    if outcome["cacheable"]:
        lint_result = outcome["lint"] if outcome["error"] is not None else None
        cache.put(render_key(job, chart_hash, fixed), {**outcome, "lint": lint_result})
