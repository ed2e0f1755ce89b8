"""One validation run: read the repo, expand ApplicationSets, resolve sources, render charts,
check schemas, projects and lint rules; return every finding, deduplicated and sorted.

Every step is linear in the size of the repository: each file is parsed once, each
ApplicationSet expanded once, each chart rendered once per distinct set of values.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from pathlib import Path

from gitops_scaffold import progress
from gitops_scaffold.constants import JOURNAL, STATE_DIR
from gitops_scaffold.errors import UserInputError
from gitops_scaffold.validate import memo
from gitops_scaffold.validate.appsets import expand_appsets
from gitops_scaffold.validate.argo.cache import Cache, digest
from gitops_scaffold.validate.argo.helm import Helm, RenderRequest, helm_available
from gitops_scaffold.validate.argo.loader import Document, RepoFiles, load_repo
from gitops_scaffold.validate.argo.objects import (
    App,
    Resource,
    find_clusters,
    infer_self_urls,
    production_of,
    self_urls,
)
from gitops_scaffold.validate.argo.pool import Workers
from gitops_scaffold.validate.argo.projects import Project, check_app, check_duplicates, custom_cluster_scoped
from gitops_scaffold.validate.argo.schemas import ArgoSchemas, kube_schemas
from gitops_scaffold.validate.argo.sources import SourceResolver
from gitops_scaffold.validate.catalog import RULES
from gitops_scaffold.validate.findings import Finding, Report
from gitops_scaffold.validate.finish import finish
from gitops_scaffold.validate.rules import Context, run_rules


@dataclass
class Options:
    schemas: Path | None = None  # Argo CD JSON Schemas (default: bundled)
    helm: bool | None = None  # None: on when helm-python-sdk is installed
    kube_version: str | None = None  # default: the newest kubernetes-validate bundles
    repo_urls: list[str] = field(default_factory=list)  # URLs naming this repository
    production: str | None = None  # regex for production Applications (non-scaffold repos)
    ignore: set[str] = field(default_factory=set)  # rule ids to skip
    cache: bool = True  # reuse and store reports and chart renders (--no-cache: off)
    parallel: bool = True  # render on every core when there are enough charts


def validate(root: Path, options: Options | None = None) -> Report:
    """Check the repository at ``root``; the findings, sorted, with notes on what was skipped."""
    options = options or Options()
    root = root.resolve()
    if not root.is_dir():
        raise UserInputError(f"{root} is not a directory")
    unknown = sorted(options.ignore - set(RULES))
    if unknown:
        raise UserInputError(
            f"--ignore: unknown rule id(s) {', '.join(unknown)}; see `scaffold validate --rules`"
        )
    use_helm = options.helm if options.helm is not None else helm_available()
    if use_helm and not helm_available():  # before the memo key, which asks Helm its version
        raise UserInputError("--helm needs helm-python-sdk: pip install 'gitops-scaffold[validate]'")
    key = _memo_key(root, options, use_helm)
    cache = Cache(enabled=key is not None)
    if key is not None:
        earlier = memo.from_payload(cache.get(key), str(root))
        if earlier is not None:
            return earlier
    run = _Run(root, options, use_helm)
    try:
        report = run.report()
    finally:
        run.close()
    # Stored only if the tree is still the one the key was taken of (not edited during the run).
    if key is not None and _memo_key(root, options, use_helm) == key:
        cache.put(key, memo.to_payload(report))
    return report


def _memo_key(root: Path, options: Options, use_helm: bool) -> str | None:
    """The key of this run's whole report (``memo.py``), or None when it must run in full."""
    if not options.cache or interrupted_transaction(root):
        return None
    from gitops_scaffold import __version__
    from gitops_scaffold.validate.argo import objects, rendering

    settings = {
        "helm": use_helm,
        "kube_version": options.kube_version,
        "schemas": memo.tree_digest(options.schemas) if options.schemas is not None else None,
        "repo_urls": sorted(options.repo_urls),
        "remotes": objects.git_remotes(root),
        "production": options.production,
        "ignore": sorted(options.ignore),
    }
    versions = rendering.versions() if use_helm else {"scaffold": __version__}
    try:
        return memo.report_key(root, settings, {**versions, "code": memo.code_digest()})
    except (memo.NotReusable, OSError):
        return None


# A repository with this many charts likely renders enough (each in several environments) to
# pay for worker processes, so they start while it is read and its ApplicationSets expanded;
# unless no chart changed since its last run (then its renders are likely all in the cache).
EARLY_WORKERS_CHARTS = 16


def early_workers(kube_schemas: str | None) -> Workers:
    import functools

    from gitops_scaffold.validate.argo import rendering

    return Workers(functools.partial(rendering.warm_up, kube_schemas))


# Where a scaffold write command keeps its journal (apply.work_dir): a journal left there is a
# change killed after its commit point, half on disk until a scaffold command finishes it.
_JOURNALS = (f".git/scaffold/{JOURNAL}", f"{STATE_DIR}/txn/{JOURNAL}")


def interrupted_transaction(root: Path) -> list[str]:
    """A note when the tree checked is half of an interrupted scaffold change."""
    if any((root / journal).is_file() for journal in _JOURNALS):
        return [
            "an interrupted scaffold command left a half-written change in this repository; "
            "run `scaffold status` (or any scaffold command) there to finish it, then check again"
        ]
    return []


class _Run:
    """The steps of one run, in order; each adds findings and notes."""

    def __init__(self, root: Path, options: Options, use_helm: bool) -> None:
        self.root = root
        self.options = options
        self._charts_digest: str | None = None
        self.notes: list[str] = interrupted_transaction(root)
        self.files = load_repo(root)
        self.findings: list[Finding] = list(self.files.problems)
        self.argo = ArgoSchemas(options.schemas)
        self.kube, note = kube_schemas(options.kube_version)
        self.notes += [note] if note else []
        self.helm = self._helm(use_helm)

    def _helm(self, use_helm: bool) -> Helm | None:
        if not use_helm:
            self.notes.append(
                "charts were not linted or rendered"
                + ("" if self.options.helm is False else ": install the `validate` extra for helm-python-sdk")
            )
            return None
        lint_version = self.kube.version if self.kube is not None and self.options.kube_version else None
        cache = Cache(enabled=self.options.cache)
        parallel = self.options.parallel
        helm = Helm(self.root, self.files, lint_version, kube=self.kube, cache=cache, parallel=parallel)
        if parallel and len(self.files.charts) >= EARLY_WORKERS_CHARTS and self._charts_changed(helm):
            helm.workers = early_workers(self.kube.version if self.kube is not None else None)
        return helm

    def _charts_changed(self, helm: Helm) -> bool:
        """Whether a chart changed since this repository's last run (then renders are likely
        not all in the cache, and workers are worth starting early); a guess, never a result."""
        if helm.cache is None or not helm.cache.enabled:
            return True
        self._charts_digest = digest(sorted(helm.chart_hash(chart) for chart in self.files.charts))
        last = helm.cache.get(self._hint_key())
        return not isinstance(last, dict) or last.get("charts") != self._charts_digest

    def _hint_key(self) -> str:
        return digest("charts at the last run", str(self.root))

    def close(self) -> None:
        if self.helm is None:
            return
        if self.helm.workers is not None:
            self.helm.workers.close()
        if self._charts_digest is not None and self.helm.cache is not None:
            self.helm.cache.put(self._hint_key(), {"charts": self._charts_digest})

    def report(self) -> Report:
        self.check_schemas()
        apps, generated = self.applications()
        groups = self.resolve_sources(apps)
        resources = self.resources(groups)
        projects = {"default": Project(None)}
        rendered_projects = [
            Document(r.file, 0, r.locate(("kind",)), r.data)
            for r in resources
            if r.rendered and r.group == "argoproj.io" and r.kind == "AppProject"
        ]
        for doc in [*self.files.argo("AppProject"), *rendered_projects]:
            projects.setdefault(doc.name, Project(doc))
        clusters = find_clusters(self.files)
        cluster_scoped = custom_cluster_scoped(r.data for r in resources)
        for app in apps:
            self.findings += check_app(app, projects, clusters, cluster_scoped)
        self.findings += check_duplicates(apps, self.files.objects)
        ctx = Context(
            root=self.root,
            files=self.files,
            apps=apps,
            projects=projects,
            production=production_of(self.root, self.options.production),
            application_schema=self.argo.schema("Application"),
            resources=resources,
            groups=groups,
        )
        self.findings += run_rules(ctx)
        if self.kube is not None and self.kube.unknown:
            self.notes.append(
                "not schema-checked (custom resources without a bundled schema): "
                + ", ".join(sorted(self.kube.unknown))
            )
        report = Report(
            repo=str(self.root),
            findings=finish(self.root, self.findings, self.options.ignore),
            notes=self.notes,
            stats={
                "files": self.files.files,
                "objects": len(self.files.objects),
                "applications": len(apps),
                "generated": generated,
                "renders": self.helm.renders if self.helm else 0,
            },
        )
        if self.helm is not None and self.helm.cache is not None:
            self.helm.cache.trim()
        return report

    def check_schemas(self) -> None:
        """Argo CD objects against the CRDs, the rest against Kubernetes' schemas."""
        if not self.argo.available():
            self.notes.append(
                "Argo CD objects were not schema-checked: install the `validate` extra for jsonschema"
            )
        partial = kustomize_partials(self.files)
        for done, doc in enumerate(self.files.objects):
            progress.tick("checking schemas", done, len(self.files.objects))
            if doc.group == "argoproj.io":
                if self.argo.available():
                    self.findings += self.argo.check(doc.data, doc.file, doc.line_of)
            elif self.kube is not None and doc.file not in partial and not doc.group.startswith("kustomize."):
                self.findings += self.kube.check(doc.data, doc.file, doc.line_of)

    def applications(self) -> tuple[list[App], int]:
        """Written and generated Applications (the generated ones schema-checked too)."""
        apps = [App(doc.data, doc) for doc in self.files.argo("Application")]
        expanded = expand_appsets(self.root, self.files.argo("ApplicationSet"))
        self.findings += expanded.findings
        self.notes += expanded.notes
        for app in expanded.apps if self.argo.available() else []:
            self.findings += self.argo.check(app.data, app.file, app.locate, app.context)
        return apps + expanded.apps, len(expanded.apps)

    def resolve_sources(self, apps: list[App]) -> list[list[Resource]]:
        """Paths, values files and what each Application deploys; charts rendered by Helm.

        Applications that charts render (a Helm App of Apps) join ``apps`` and are resolved in
        turn; charts no Application uses are rendered on their own, App of Apps charts first,
        so that the Applications they hold are known before the charts those point at."""
        urls = self_urls(self.root, self.options.repo_urls)
        infer = not urls
        if infer:
            urls = infer_self_urls(self.root, apps)
        resolver = SourceResolver(self.root, self.files, urls, self.helm, infer=infer)
        planner = SourceResolver(self.root, self.files, set(urls), self.helm, infer=infer)
        groups: list[list[Resource]] = []
        seen: set[tuple[str, str, str]] = set()
        standalone = _app_of_apps_first(self.root, self.files.charts)
        pending = list(apps)
        while True:
            if pending:
                if self.helm is not None:  # every render of the batch at once, on every core
                    with self.helm.planning() as planned:
                        planner.resolve_all(pending)
                    self.helm.prefetch(planned)
                resolver.resolve_all(pending)
                fresh = [app.resources for app in pending if app.resources]
            elif self.helm is not None and (chart := _next_unused(standalone, self.helm)):
                fresh = _standalone_chart(chart, self.helm)
            else:
                break
            groups += fresh
            pending = self.rendered_applications(fresh, seen)
            apps += pending
        self.findings += resolver.findings
        if resolver.infer and resolver.self_urls:
            self.notes.append(
                f"this repository's URL was taken to be {', '.join(sorted(resolver.self_urls))} "
                "(pass --repo-url to say so)"
            )
        if self.helm is not None:
            self.findings += self.helm.findings
            self.notes += self.helm.notes
        self.notes += sorted(resolver.notes)
        return groups

    def rendered_applications(
        self, groups: list[list[Resource]], seen: set[tuple[str, str, str]]
    ) -> list[App]:
        """Applications and ApplicationSets a chart rendered, as Applications (once each)."""
        apps: list[App] = []
        for group in groups:
            for res in group:
                key = (res.file, res.kind, res.name)
                if not res.rendered or res.group != "argoproj.io" or key in seen:
                    continue
                seen.add(key)
                doc = Document(res.file, 0, res.locate(("kind",)), res.data)
                if res.kind == "Application":
                    apps.append(App(res.data, doc, locator=res.locate))
                    if self.argo.available():
                        self.findings += self.argo.check(res.data, res.file, res.locate)
                elif res.kind == "ApplicationSet":
                    expanded = expand_appsets(self.root, [doc])
                    self.findings += expanded.findings
                    self.notes += expanded.notes
                    apps += expanded.apps
        return apps

    def resources(self, groups: list[list[Resource]]) -> list[Resource]:
        """Every object in Git and every rendered object, once; rendered ones schema-checked."""
        resources = _distinct(
            [Resource(d.data, d.file, d.line_of) for d in self.files.objects if d.group != "argoproj.io"]
            + [r for group in groups for r in group if r.rendered]
        )
        for done, res in enumerate(resources):
            progress.tick("checking rendered objects", done, len(resources))
            if not res.rendered:
                continue
            if res.group == "argoproj.io":
                if res.kind == "AppProject" and self.argo.available():
                    self.findings += self.argo.check(res.data, res.file, res.locate)
            elif self.kube is not None:
                self.findings += self.kube.check(res.data, res.file, res.locate)
        return resources


def kustomize_partials(files: RepoFiles) -> set[str]:
    """Files in a Kustomize folder that are not its ``resources``: patches and other partial
    objects that Kustomize merges, never applied as they are (so not schema-checked)."""
    folders: dict[str, set[str]] = {}
    for doc in files.documents:
        name = doc.file.rsplit("/", 1)[-1]
        if name in {"kustomization.yaml", "kustomization.yml"} and isinstance(doc.data, dict):
            folder = doc.file.rsplit("/", 1)[0] if "/" in doc.file else ""
            listed = folders.setdefault(folder, set())
            for entry in doc.data.get("resources") or []:
                if isinstance(entry, str):
                    listed.add(posixpath.normpath(posixpath.join(folder, entry)))
    partial: set[str] = set()
    for doc in files.documents:
        folder = doc.file.rsplit("/", 1)[0] if "/" in doc.file else ""
        if folder in folders and doc.file not in folders[folder]:
            partial.add(doc.file)
    return partial


def _app_of_apps_first(root: Path, charts: list[str]) -> list[str]:
    """Charts whose templates hold Applications first: what they render decides which other
    charts are used, and with which values."""

    def holds_applications(chart: str) -> bool:
        templates = root / chart / "templates"
        return templates.is_dir() and any(
            "kind: Application" in path.read_text(encoding="utf-8", errors="replace")
            for path in templates.rglob("*")
            if path.is_file()
        )

    return sorted(charts, key=lambda chart: (not holds_applications(chart), chart))


def _next_unused(charts: list[str], helm: Helm) -> str | None:
    used = {r.chart for r in helm.requests}
    return next((chart for chart in charts if chart not in used), None)


def _standalone_chart(chart: str, helm: Helm) -> list[list[Resource]]:
    """A chart no Application renders: lint and render it once with its own values."""
    name = Path(chart).name if chart != "." else "chart"
    request = RenderRequest(chart, [], None, [], release=name[:53], namespace="default", context="")
    rendered = helm.render(request)
    return [rendered] if rendered else []


def _distinct(resources: list[Resource]) -> list[Resource]:
    """Each object once: the same template rendered for several environments counts once
    per distinct content."""
    seen: set[tuple[str, str]] = set()
    out = []
    for res in resources:
        key = (res.file, repr(res.data))
        if key not in seen:
            seen.add(key)
            out.append(res)
    return out
