"""Expand an ApplicationSet offline into the Applications Argo CD would generate.

``expand(appset, repo_dir)`` follows Argo CD's ApplicationSet controller (v3.x,
``applicationset/``): generators produce parameter sets, the template is rendered once per
set, string by string (map keys included), ``templatePatch`` is rendered and merged in, and the
resources finalizer is added where Argo CD adds it. Git generators read ``repo_dir`` instead of a
clone, so a working tree can be previewed before it is committed.

Supported generators: ``list`` (``elements`` and ``elementsYaml``), ``git`` (``files`` and
``directories``, with ``exclude``, ``pathParamPrefix`` and ``values``), ``matrix`` (exactly two
children; the second may use the first one's parameters), ``merge``, and ``clusters`` over the
declarative cluster secrets in ``repo_dir`` (see ``cluster_secrets``); ``selector`` on any of
them. Other generators (SCM, pull requests, plugins, cluster decision resources) need a live
Argo CD and raise ``ExpansionError``.

With ``goTemplate: true`` the templates are executed by Helm's Go template engine (text/template
with Sprig, through ``helm_python``) rather than by an imitation: every parameter set of one
ApplicationSet is rendered in a single call to a throwaway chart, one chart template per
parameter set, whose ``tpl`` calls run each string of the Argo CD template with the parameters
as both ``.`` and ``$``. ``missingkey=error`` is Helm's strict rendering, which sets exactly that
text/template option, so a missing key fails here as it fails in Argo CD. Known differences from
Argo CD, all outside what gitops-scaffold writes: a key present with a null value prints as an
empty string (Argo CD prints ``<no value>``), as does a missing key without ``missingkey=error``;
Argo CD's own ``normalize`` and ``slugify`` and Helm's own ``include``, ``tpl``, ``required`` and
similar are refused with an error.
"""

from __future__ import annotations

import base64
import binascii
import copy
import fnmatch
import io
import json
import os
import posixpath
import re
import tarfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import yaml

from gitops_scaffold.errors import ScaffoldError

Json = dict[str, Any]

APPLICATION_API_VERSION = "argoproj.io/v1alpha1"
RESOURCES_FINALIZER = "resources-finalizer.argocd.argoproj.io"

# How a git files generator matches its paths. "git" is Argo CD's default (`git ls-files`
# pathspecs: `*` also crosses `/`); "doublestar" is the opt-in new globbing
# (applicationsetcontroller.enable.new.git.file.globbing: `*` stays within a directory, `**`
# spans any number of them).
Globbing = Literal["git", "doublestar"]


INSTALL_ENGINE = "pip install 'gitops-scaffold[validate]' (helm-python-sdk)"


def engine_available() -> bool:
    """Whether Helm's Go template engine (helm-python-sdk) can be imported."""
    import importlib.util

    return importlib.util.find_spec("helm_python") is not None


class ExpansionError(ScaffoldError):
    """The ApplicationSet cannot be expanded: Argo CD would report an error too, or this
    offline engine cannot do what it asks."""


def expand(appset: Mapping[str, Any], repo_dir: Path, *, git_file_globbing: Globbing = "git") -> list[Json]:
    """The Applications Argo CD generates from ``appset``, git generators reading ``repo_dir``."""
    return _Expander(appset, Path(repo_dir), git_file_globbing).applications()


def generate_params(
    appset: Mapping[str, Any], repo_dir: Path, *, git_file_globbing: Globbing = "git"
) -> list[Json]:
    """The parameter sets of every generator, in order, before any template is rendered."""
    expander = _Expander(appset, Path(repo_dir), git_file_globbing)
    return [params for _, params in expander.parameter_sets()]


# --- the expansion -------------------------------------------------------------------------


class _Expander:
    def __init__(self, appset: Mapping[str, Any], repo_dir: Path, globbing: Globbing) -> None:
        if appset.get("kind") != "ApplicationSet":
            raise ExpansionError(f"not an ApplicationSet: kind {appset.get('kind')!r}")
        self.metadata: Json = dict(appset.get("metadata") or {})
        self.name = str(self.metadata.get("name", "<unnamed>"))
        self.spec: Json = dict(appset.get("spec") or {})
        self.repo_dir = repo_dir
        self.globbing = globbing
        self.go_template = self.spec.get("goTemplate") is True
        options = self.spec.get("goTemplateOptions") or []
        self.strict = "missingkey=error" in options
        self.renderer = _GoRenderer(self.strict, self.name) if self.go_template else None
        self.cluster_secrets: list[Json] | None = None

    def fail(self, message: str) -> ExpansionError:
        return ExpansionError(f"ApplicationSet {self.name}: {message}")

    # generators

    def parameter_sets(self) -> Iterator[tuple[Json, Json]]:
        """(template, params) for every parameter set of every top-level generator."""
        template = self.spec.get("template")
        if not isinstance(template, dict):
            raise self.fail("spec.template is missing")
        generators = self.spec.get("generators")
        if not isinstance(generators, list) or not generators:
            raise self.fail("spec.generators is empty")
        for index, generator in enumerate(generators):
            where = f"spec.generators[{index}]"
            merged = _merge_generator_template(generator, template)
            for params in self.generate(generator, where, {}, depth=0):
                yield merged, params

    def generate(self, generator: Json, where: str, outer: Json, *, depth: int) -> list[Json]:
        if not isinstance(generator, dict):
            raise self.fail(f"{where} is not a mapping")
        kinds = [k for k in generator if k != "selector"]
        if len(kinds) != 1:
            raise self.fail(f"{where} must name exactly one generator, found {kinds or 'none'}")
        kind = kinds[0]
        if outer:
            generator = self.interpolate(generator, outer, where)
        body = generator[kind]
        if not isinstance(body, dict):
            raise self.fail(f"{where}.{kind} is not a mapping")
        handlers: dict[str, Callable[[Json, str, int], list[Json]]] = {
            "list": self.list_params,
            "git": self.git_params,
            "matrix": self.matrix_params,
            "merge": self.merge_params,
            "clusters": self.cluster_params,
        }
        if kind not in handlers:
            raise self.fail(
                f"{where}: the {kind} generator needs a running Argo CD; offline expansion "
                f"supports {', '.join(sorted(handlers))}"
            )
        params = handlers[kind](body, f"{where}.{kind}", depth)
        selector = generator.get("selector")
        # The selectors of a matrix's or merge's own children apply; deeper ones only with
        # spec.applyNestedSelectors.
        if selector and (depth <= 1 or self.spec.get("applyNestedSelectors")):
            params = [p for p in params if _selector_matches(selector, p, self.fail)]
        return params

    def interpolate(self, generator: Json, params: Json, where: str) -> Json:
        """The matrix's later child, with the earlier child's parameters filled in."""
        if "{{" not in json.dumps(generator):
            return generator
        interpolated: Json = self.render_tree([(generator, params)], where)[0]
        return interpolated

    def list_params(self, body: Json, where: str, depth: int) -> list[Json]:
        result: list[Json] = []
        for index, element in enumerate(body.get("elements") or []):
            if not isinstance(element, dict):
                raise self.fail(f"{where}.elements[{index}] is not a mapping")
            result.append(
                copy.deepcopy(element)
                if self.go_template
                else _flat_element(element, f"{where}.elements[{index}]", self.fail)
            )
        elements_yaml = body.get("elementsYaml")
        if elements_yaml:
            loaded = _load_yaml(str(elements_yaml))
            if not isinstance(loaded, list) or not all(isinstance(e, dict) for e in loaded):
                raise self.fail(f"{where}.elementsYaml is not a list of mappings")
            result.extend(loaded)
        return result

    def git_params(self, body: Json, where: str, depth: int) -> list[Json]:
        prefix = str(body.get("pathParamPrefix") or "")
        if body.get("directories"):
            params = [
                self.path_params(path, None, prefix)
                for path in self.git_directories(body["directories"], where)
            ]
        elif body.get("files"):
            params = []
            for path in self.git_files(body["files"], where):
                for content in self.file_param_sets(path, where):
                    params.append(self.path_params(path, content, prefix))
        else:
            raise self.fail(f"{where} needs directories or files")
        values = body.get("values")
        if values:
            self.append_values(values, params, f"{where}.values")
        return params

    def git_files(self, items: Sequence[Any], where: str) -> list[str]:
        files = _repo_files(self.repo_dir)
        match = _git_pathspec_match if self.globbing == "git" else _doublestar_match
        included: set[str] = set()
        for item in items:
            if not item.get("exclude"):
                included |= {f for f in files if match(str(item["path"]), f)}
        for item in items:
            if item.get("exclude"):
                included -= {f for f in files if match(str(item["path"]), f)}
        return sorted(included)

    def git_directories(self, items: Sequence[Any], where: str) -> list[str]:
        result = []
        for directory in _repo_directories(self.repo_dir):
            matches = [(_go_path_match(str(i["path"]), directory), bool(i.get("exclude"))) for i in items]
            if any(m and not ex for m, ex in matches) and not any(m and ex for m, ex in matches):
                result.append(directory)
        return result

    def file_param_sets(self, path: str, where: str) -> list[Json]:
        text = (self.repo_dir / path).read_text(encoding="utf-8")
        try:
            content = _load_yaml(text)
        except yaml.YAMLError as exc:
            raise self.fail(f"{where}: unable to process file {path!r}: {exc}") from exc
        if content is None:
            return [{}]
        if isinstance(content, dict):
            return [content]
        if isinstance(content, list) and all(isinstance(c, dict) for c in content):
            return list(content)
        raise self.fail(f"{where}: unable to process file {path!r}: not a mapping or a list")

    def path_params(self, path: str, content: Json | None, prefix: str) -> Json:
        """The path parameters Argo CD adds (and, for files, the file's keys)."""
        directory = path if content is None else posixpath.dirname(path)
        info: Json = {"path": directory, "basename": posixpath.basename(directory)}
        if content is not None:
            info["filename"] = posixpath.basename(path)
        info["basenameNormalized"] = _sanitize_name(info["basename"])
        if content is not None:
            info["filenameNormalized"] = _sanitize_name(info["filename"])
        segments = directory.split("/")
        if self.go_template:
            params: Json = copy.deepcopy(content) if content else {}
            params.update(
                {prefix: {"path": {**info, "segments": segments}}}
                if prefix
                else {"path": {**info, "segments": segments}}
            )
            return params
        params = dict(_flatten(content or {}))
        name = f"{prefix}.path" if prefix else "path"
        params[name] = directory
        for key in ("basename", "filename", "basenameNormalized", "filenameNormalized"):
            if key in info:
                params[f"{name}.{key}"] = info[key]
        for index, segment in enumerate(segments):
            if segment:
                params[f"{name}[{index}]"] = segment
        return params

    def append_values(self, values: Mapping[str, Any], params: list[Json], where: str) -> None:
        keys = sorted(values)
        if self.renderer is None:
            for p in params:
                for key in keys:
                    p[f"values.{key}"] = _fast_replace(str(values[key]), p)
            return
        rendered = self.renderer.render([(p, [str(values[k]) for k in keys]) for p in params])
        for p, strings in zip(params, rendered, strict=True):
            p["values"] = {**(p.get("values") or {}), **dict(zip(keys, strings, strict=True))}

    def cluster_params(self, body: Json, where: str, depth: int) -> list[Json]:
        """The clusters generator (applicationset/generators/cluster.go, Argo CD v3): the local
        cluster unless a secret registers https://kubernetes.default.svc or a selector is set,
        then every matching cluster secret in name order; ``values`` rendered with each
        cluster's parameters; ``flatList`` gives one parameter set with ``clusters``."""
        selector = body.get("selector") or {}
        if not isinstance(selector, dict):
            raise self.fail(f"{where}.selector is not a mapping")
        if self.cluster_secrets is None:  # read once per expansion, however often it is asked
            self.cluster_secrets = cluster_secrets(self.repo_dir)
        secrets = self.cluster_secrets
        params: list[Json] = []
        has_selector = bool(selector.get("matchLabels") or selector.get("matchExpressions"))
        if not has_selector and not any(s["server"] == IN_CLUSTER_SERVER for s in secrets):
            params.append(
                {
                    "name": "in-cluster",
                    "nameNormalized": "in-cluster",
                    "server": IN_CLUSTER_SERVER,
                    "project": "",
                }
            )
        for secret in secrets:
            if has_selector and not _selector_matches(selector, secret["labels"], self.fail):
                continue
            entry: Json = {
                "name": secret["name"],
                "nameNormalized": _sanitize_name(secret["name"]),
                "server": secret["server"],
                "project": secret["project"],
            }
            if self.go_template:
                metadata: Json = {}
                if secret["annotations"]:
                    metadata["annotations"] = dict(secret["annotations"])
                if secret["labels"]:
                    metadata["labels"] = dict(secret["labels"])
                entry["metadata"] = metadata
            else:
                entry.update({f"metadata.annotations.{k}": v for k, v in secret["annotations"].items()})
                entry.update({f"metadata.labels.{k}": v for k, v in secret["labels"].items()})
            params.append(entry)
        values = body.get("values")
        if values:
            self.append_values(values, params, f"{where}.values")
        if body.get("flatList"):
            return [{"clusters": params}]
        return params

    def matrix_params(self, body: Json, where: str, depth: int) -> list[Json]:
        children = body.get("generators") or []
        if len(children) != 2:
            raise self.fail(f"{where} has {len(children)} child generators; a matrix combines exactly two")
        first = self.generate(children[0], f"{where}.generators[0]", {}, depth=depth + 1)
        result = []
        for previous in first:
            second = self.generate(children[1], f"{where}.generators[1]", previous, depth=depth + 1)
            for current in second:
                if self.go_template:
                    combined: Json = {}
                    _mergo(combined, previous)
                    _mergo(combined, current)
                else:
                    combined = dict(previous)
                    for key, value in current.items():
                        if key in combined and combined[key] != value:
                            raise self.fail(
                                f"{where}: found duplicate key {key} with different value, "
                                f"a: {combined[key]} ,b: {value}"
                            )
                        combined[key] = value
                result.append(combined)
        return result

    def merge_params(self, body: Json, where: str, depth: int) -> list[Json]:
        children = body.get("generators") or []
        keys = list(dict.fromkeys(body.get("mergeKeys") or []))
        if len(children) < 2:
            raise self.fail(f"{where} needs at least two child generators")
        if not keys:
            raise self.fail(f"{where} needs mergeKeys")
        sets = [
            self.generate(child, f"{where}.generators[{i}]", {}, depth=depth + 1)
            for i, child in enumerate(children)
        ]
        base = _by_merge_key(sets[0], keys, where, self.fail)
        for other in sets[1:]:
            overrides = _by_merge_key(other, keys, where, self.fail)
            for key, params in base.items():
                if key in overrides:
                    if self.go_template:
                        _mergo(params, overrides[key], override=True)
                    else:
                        params.update(overrides[key])
        return list(base.values())

    # rendering

    def render_tree(self, jobs: Sequence[tuple[Any, Json]], where: str) -> list[Any]:
        """Each tree with every string (and map key) rendered with its parameters."""
        if self.renderer is None:
            return [_map_strings(tree, _fast_replacer(params)) for tree, params in jobs]
        string_lists = [_template_strings(tree) for tree, _ in jobs]
        rendered = self.renderer.render(
            [(params, strings) for (_, params), strings in zip(jobs, string_lists, strict=True)],
            where,
        )
        result = []
        for (tree, _), strings, outputs in zip(jobs, string_lists, rendered, strict=True):
            result.append(_map_strings(tree, _lookup_replacer(dict(zip(strings, outputs, strict=True)))))
        return result

    def applications(self) -> list[Json]:
        jobs = list(self.parameter_sets())
        patch = self.spec.get("templatePatch")
        trees: list[Any] = [
            {"template": _template_metadata_and_spec(template), "patch": patch or ""} for template, _ in jobs
        ]
        rendered = self.render_tree(
            [(tree, params) for tree, (_, params) in zip(trees, jobs, strict=True)],
            "spec.template or spec.templatePatch" if patch else "spec.template",
        )
        preserve = bool((self.spec.get("syncPolicy") or {}).get("preserveResourcesOnDeletion"))
        apps = []
        for output in rendered:
            app = self.application(output["template"], preserve)
            if patch:
                app = self.apply_patch(app, output["patch"])
            apps.append(app)
        names = [a["metadata"].get("name") for a in apps]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise self.fail(f"generates Applications with duplicate names: {', '.join(duplicates)}")
        return apps

    def application(self, template: Json, preserve: bool) -> Json:
        source_meta = template.get("metadata") or {}
        metadata: Json = {"name": source_meta.get("name", "")}
        metadata["namespace"] = source_meta.get("namespace") or self.metadata.get("namespace")
        if not metadata["namespace"]:
            del metadata["namespace"]
        for key in ("labels", "annotations"):
            if source_meta.get(key):
                metadata[key] = source_meta[key]
        finalizers = list(source_meta.get("finalizers") or [])
        # RenderTemplateParams: no finalizer in the template and resources not preserved
        # on deletion -> the resources finalizer.
        if not finalizers and not preserve:
            finalizers = [RESOURCES_FINALIZER]
        if finalizers:
            metadata["finalizers"] = finalizers
        return {
            "apiVersion": APPLICATION_API_VERSION,
            "kind": "Application",
            "metadata": metadata,
            "spec": template.get("spec") or {},
        }

    def apply_patch(self, app: Json, patch_text: str) -> Json:
        """applyTemplatePatch: YAML (or JSON) -> strategic merge into the Application."""
        try:
            patch = _load_yaml(patch_text) if patch_text.strip() else None
        except yaml.YAMLError as exc:
            name = app["metadata"].get("name")
            raise self.fail(f"templatePatch for {name} is not valid YAML: {exc}") from exc
        if patch is None:
            return app
        if not isinstance(patch, dict):
            raise self.fail(f"templatePatch for {app['metadata'].get('name')} is not a mapping: {patch!r}")
        project = app["spec"].get("project")
        patched: Json = _strategic_merge(app, patch, ())
        # Argo CD restores the project: a patch must not move an Application between projects.
        spec = patched.setdefault("spec", {})
        if project is None:
            spec.pop("project", None)
        else:
            spec["project"] = project
        return patched


# --- Go templates through Helm -------------------------------------------------------------

_CHART_YAML = "apiVersion: v2\nname: appset-expand\nversion: 0.1.0\ntype: application\n"
# One chart template per parameter set: each string of the Argo CD template goes through `tpl`
# with the parameters as data, and the results come back as one JSON list.
_JOB_TEMPLATE = (
    "{{- $job := index .Values.jobs %d -}}\n"
    "{{- $out := list -}}\n"
    "{{- range $job.strings -}}\n"
    "{{- $out = append $out (tpl (index $.Values.strings (int .)) $job.params) -}}\n"
    "{{- end -}}\n"
    "{{ toJson $out }}\n"
)
_JOB_NAME = re.compile(r"templates/job-([0-9]+)\.yaml")
# Functions one engine has and the other lacks; a template using them would expand here and
# fail in Argo CD, or the other way round.
_HELM_ONLY = ("include", "tpl", "required", "lookup", "fromJson", "fromJsonArray", "toToml")
_ARGO_ONLY = ("normalize", "slugify")
_ACTION = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)
_QUOTED = re.compile(r'"(?:\\.|[^"\\])*"|`[^`]*`')
_FUNCTION = re.compile(r"(?<![\w.$])(" + "|".join(_HELM_ONLY + _ARGO_ONLY) + r")(?![\w])")


# Helm clones every template of a chart for each `tpl` call, so one render's cost grows with
# the square of its templates: batches of this many keep expansion linear (measured here, 2,000
# parameter sets of two strings: one call 1.95 s, batches of 100 0.44 s).
JOBS_PER_RENDER = 100


class _GoRenderer:
    """Renders strings as Go templates, many parameter sets per call to Helm."""

    def __init__(self, strict: bool, appset_name: str) -> None:
        self.strict = strict
        self.appset_name = appset_name

    def render(
        self, jobs: Sequence[tuple[Json, Sequence[str]]], where: str = "spec.template"
    ) -> list[list[str]]:
        """For each (params, strings): the strings rendered with the params."""
        rendered: list[list[str]] = []
        for start in range(0, len(jobs), JOBS_PER_RENDER):
            rendered += self._render_batch(jobs[start : start + JOBS_PER_RENDER], where)
        return rendered

    def _render_batch(self, jobs: Sequence[tuple[Json, Sequence[str]]], where: str) -> list[list[str]]:
        unique = list(dict.fromkeys(s for _, strings in jobs for s in strings))
        if not unique:
            return [[] for _ in jobs]
        for text in unique:
            self.check_functions(text, where)
        index = {s: i for i, s in enumerate(unique)}
        values = {
            "strings": unique,
            "jobs": [{"params": params, "strings": [index[s] for s in strings]} for params, strings in jobs],
        }
        rendered = _helm_render(len(jobs), values, self.strict, self.describe_error(jobs, where))
        return [json.loads(rendered[i]) if rendered[i].strip() else [] for i in range(len(jobs))]

    def check_functions(self, text: str, where: str) -> None:
        for action in _ACTION.findall(text):
            found = _FUNCTION.search(_QUOTED.sub('""', action))
            if found is None:
                continue
            name = found.group(1)
            which = "Argo CD's" if name in _ARGO_ONLY else "Helm's"
            other = "Helm" if name in _ARGO_ONLY else "Argo CD"
            raise ExpansionError(
                f"ApplicationSet {self.appset_name}: {where} uses {name}, one of {which} own "
                f"template functions, which {other} does not have: {text!r}"
            )

    def describe_error(
        self, jobs: Sequence[tuple[Json, Sequence[str]]], where: str
    ) -> Callable[[str], ExpansionError]:
        def describe(message: str) -> ExpansionError:
            found = _JOB_NAME.search(message)
            detail = message
            marker = "error calling tpl: "
            if marker in message:
                detail = message.split(marker, 1)[1]
            context = ""
            if found is not None:
                params = jobs[int(found.group(1))][0]
                context = f" with parameters {_short(params)}"
            return ExpansionError(
                f"ApplicationSet {self.appset_name}: {where} fails to render{context}: {detail}"
            )

        return describe


def _helm_render(
    count: int,
    values: Json,
    strict: bool,
    describe: Callable[[str], ExpansionError],
) -> list[str]:
    """Render the throwaway chart once: the output of each job template, in job order."""
    try:
        import helm_python
        from helm_python import _native
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ExpansionError(
            f"expanding goTemplate ApplicationSets needs Helm's template engine: {INSTALL_ENGINE}"
        ) from exc
    archive = _chart_archive(count)
    chart = helm_python.Chart.load_archive(archive)
    try:
        # Strict rendering is Helm's `missingkey=error`; helm_python's Chart.render does not
        # expose the option, the native render call takes it.
        options = json.dumps({"strict": strict})
        output = _native.call_string("helm_render", chart._raw(), json.dumps(values), options)
    except helm_python.HelmError as exc:
        raise describe(str(exc)) from exc
    finally:
        chart.close()
    manifests: dict[str, str] = json.loads(output)
    return [manifests.get(f"appset-expand/templates/job-{i:05d}.yaml", "") for i in range(count)]


def _chart_archive(count: int) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        files = {"appset-expand/Chart.yaml": _CHART_YAML}
        for i in range(count):
            files[f"appset-expand/templates/job-{i:05d}.yaml"] = _JOB_TEMPLATE % i
        for name, text in files.items():
            data = text.encode("utf-8")
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mode = 0o644
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


# --- templates, patches, merges ------------------------------------------------------------


def _template_metadata_and_spec(template: Json) -> Json:
    """GetTempApplication: only these metadata fields of the template reach the Application."""
    metadata = template.get("metadata") or {}
    kept = {
        k: metadata[k] for k in ("name", "namespace", "labels", "annotations", "finalizers") if k in metadata
    }
    return {"metadata": kept, "spec": template.get("spec") or {}}


def _merge_generator_template(generator: Any, template: Json) -> Json:
    """A generator's own template (e.g. list.template) wins over the ApplicationSet's, field
    by field."""
    bodies = [v for k, v in generator.items() if k != "selector"] if isinstance(generator, dict) else []
    own = bodies[0].get("template") if len(bodies) == 1 and isinstance(bodies[0], dict) else None
    if not own:
        return template
    merged: Json = copy.deepcopy(own)
    _mergo(merged, template)
    return merged


def _template_strings(tree: Any) -> list[str]:
    """Every string and map key that holds a template action, in document order, once."""
    found: dict[str, None] = {}

    def walk(node: Any) -> None:
        if isinstance(node, str):
            if "{{" in node:
                found[node] = None
        elif isinstance(node, dict):
            for key, value in node.items():
                walk(key)
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(tree)
    return list(found)


def _map_strings(tree: Any, render: Callable[[str], str]) -> Any:
    if isinstance(tree, str):
        return render(tree)
    if isinstance(tree, dict):
        return {render(k) if isinstance(k, str) else k: _map_strings(v, render) for k, v in tree.items()}
    if isinstance(tree, list):
        return [_map_strings(item, render) for item in tree]
    return copy.deepcopy(tree)


_FAST_TAG = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)


def _fast_replacer(params: Mapping[str, Any]) -> Callable[[str], str]:
    return lambda text: _fast_replace(text, params)


def _lookup_replacer(rendered: Mapping[str, str]) -> Callable[[str], str]:
    return lambda text: rendered.get(text, text)


def _fast_replace(text: str, params: Mapping[str, Any]) -> str:
    """Argo CD's fasttemplate mode: {{ key }} becomes a string parameter, else stays."""

    def replace(match: re.Match[str]) -> str:
        value = params.get(match.group(1).strip())
        return value if isinstance(value, str) and match.group(1).strip() else match.group(0)

    return _FAST_TAG.sub(replace, text)


def _strategic_merge(original: Any, patch: Any, path: tuple[str, ...]) -> Any:
    """Kubernetes' strategic merge patch over the Application type, which declares no list
    merge strategy except metadata.finalizers: maps merge, lists are replaced, null deletes,
    and ``$patch: replace|delete`` are honoured."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    directive = patch.get("$patch")
    body = {k: v for k, v in patch.items() if not k.startswith("$")}
    if directive == "replace" or not isinstance(original, dict):
        return _strip_nulls(body)
    result = copy.deepcopy(original)
    for key, value in body.items():
        if value is None or (isinstance(value, dict) and value.get("$patch") == "delete"):
            result.pop(key, None)
        elif (path, key) == (("metadata",), "finalizers") and isinstance(value, list):
            existing = list(result.get(key) or [])
            result[key] = existing + [f for f in value if f not in existing]
        elif isinstance(value, dict):
            result[key] = _strategic_merge(result.get(key), value, (*path, key))
        else:
            result[key] = copy.deepcopy(value)
    return result


def _strip_nulls(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _strip_nulls(v) for k, v in node.items() if v is not None}
    return copy.deepcopy(node)


def _is_empty(value: Any) -> bool:
    """Go's zero value test as mergo applies it."""
    return value is None or value is False or value == 0 or value in ("", [], {})


def _mergo(destination: Json, source: Mapping[str, Any], *, override: bool = False) -> None:
    """mergo.Merge over map[string]any: nested maps merge; a key is set where the
    destination lacks it or holds a zero value (or, with override, where the source is not
    empty)."""
    for key, value in source.items():
        current = destination.get(key)
        if isinstance(value, dict) and isinstance(current, dict):
            _mergo(current, value, override=override)
        elif key not in destination or _is_empty(current) or (override and not _is_empty(value)):
            destination[key] = copy.deepcopy(value)


def _by_merge_key(
    params: list[Json], keys: list[str], where: str, fail: Callable[[str], ExpansionError]
) -> dict[str, Json]:
    result: dict[str, Json] = {}
    for p in params:
        key = json.dumps({k: _lookup(p, k) for k in keys}, sort_keys=True)
        if key in result:
            raise fail(f"{where}: the merge keys {keys} are not unique: {key}")
        result[key] = copy.deepcopy(p)
    return result


def _lookup(params: Mapping[str, Any], key: str) -> Any:
    if key in params:
        return params[key]
    node: Any = params
    for part in key.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return node


def _selector_matches(
    selector: Mapping[str, Any], params: Mapping[str, Any], fail: Callable[[str], ExpansionError]
) -> bool:
    """A label selector over the parameters whose values are strings."""
    labels = {k: v for k, v in params.items() if isinstance(v, str)}
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(key) != value:
            return False
    for expression in selector.get("matchExpressions") or []:
        key, operator = expression.get("key"), expression.get("operator")
        values = expression.get("values") or []
        present = key in labels
        if operator == "In":
            ok = present and labels[key] in values
        elif operator == "NotIn":
            ok = not present or labels[key] not in values
        elif operator == "Exists":
            ok = present
        elif operator == "DoesNotExist":
            ok = not present
        else:
            raise fail(f"unknown selector operator {operator!r}")
        if not ok:
            return False
    return True


# --- parameters ----------------------------------------------------------------------------


def _flat_element(element: Mapping[str, Any], where: str, fail: Callable[[str], ExpansionError]) -> Json:
    """A list element without goTemplate: string values only; `values` becomes values.<key>."""
    params: Json = {}
    for key, value in element.items():
        if key == "values" and isinstance(value, dict):
            for inner, inner_value in value.items():
                if not isinstance(inner_value, str):
                    raise fail(f"{where}.values.{inner} is not a string")
                params[f"values.{inner}"] = inner_value
        elif isinstance(value, str):
            params[key] = value
        else:
            raise fail(f"{where}.{key} is not a string (set goTemplate: true for other types)")
    return params


def _flatten(node: Any, prefix: str = "") -> dict[str, str]:
    """jeremywohl/flatten DotStyle, values printed like Go's %v."""
    if isinstance(node, dict):
        items: Iterator[tuple[str, Any]] = ((str(k), v) for k, v in node.items())
    elif isinstance(node, list):
        items = ((str(i), v) for i, v in enumerate(node))
    else:
        return {prefix: _go_print(node)}
    flat: dict[str, str] = {}
    for key, value in items:
        name = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict | list) and value:
            flat.update(_flatten(value, name))
        else:
            flat[name] = _go_print(value)
    return flat


def _go_print(value: Any) -> str:
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e21:
        return str(int(value))
    if isinstance(value, dict | list):
        return "map[]" if isinstance(value, dict) else "[]"
    return str(value)


_INVALID_NAME_CHARS = re.compile(r"[^-a-z0-9.]")


def _sanitize_name(name: str) -> str:
    """Argo CD's SanitizeName (basenameNormalized, filenameNormalized)."""
    return _INVALID_NAME_CHARS.sub("-", name.lower())[:253].strip("-.")


class _GoYamlLoader(yaml.SafeLoader):
    """YAML as sigs.k8s.io/yaml reads it: timestamps stay strings, keys become strings."""


_GoYamlLoader.yaml_implicit_resolvers = {
    first: [(tag, regex) for tag, regex in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _load_yaml(text: str) -> Any:
    return _stringify_keys(yaml.load(text, Loader=_GoYamlLoader))


def _stringify_keys(node: Any) -> Any:
    if isinstance(node, dict):
        return {_go_print(k) if not isinstance(k, str) else k: _stringify_keys(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_stringify_keys(item) for item in node]
    return node


def _short(params: Json) -> str:
    text = json.dumps(params, sort_keys=True, default=str)
    return text if len(text) <= 300 else text[:297] + "..."


# --- the repository ------------------------------------------------------------------------


IN_CLUSTER_SERVER = "https://kubernetes.default.svc"
_CLUSTER_LABEL = "argocd.argoproj.io/secret-type"


def cluster_secrets(repo_dir: Path) -> list[Json]:
    """The cluster secrets declared in the repository, as the clusters generator sees them
    ({name, server, project, labels, annotations}), ordered by Secret name as the API lists
    them: plain Secrets labelled ``argocd.argoproj.io/secret-type: cluster`` (``data`` decoded,
    ``stringData``), and ExternalSecrets whose ``target.template`` makes such a Secret."""
    found: dict[str, Json] = {}
    for rel in _repo_files(repo_dir):
        if not rel.endswith((".yaml", ".yml")) or "/templates/" in f"/{rel}":
            continue
        try:
            text = (repo_dir / rel).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        if _CLUSTER_LABEL not in text:
            continue
        try:
            documents = list(yaml.safe_load_all(text))
        except yaml.YAMLError:
            continue
        for doc in documents:
            secret = _as_cluster_secret(doc)
            if secret is not None:
                found.setdefault(secret.pop("secret"), secret)
    return [found[name] for name in sorted(found)]


def _as_cluster_secret(doc: Any) -> Json | None:
    if not isinstance(doc, dict):
        return None
    metadata: Json = doc["metadata"] if isinstance(doc.get("metadata"), dict) else {}
    meta: Json
    if doc.get("kind") == "Secret" and doc.get("apiVersion") == "v1":
        meta, data = metadata, dict(_decoded(doc.get("data")))
        data.update({str(k): "" if v is None else str(v) for k, v in (doc.get("stringData") or {}).items()})
        secret_name = str(metadata.get("name", ""))
    elif doc.get("kind") == "ExternalSecret":
        target = (doc.get("spec") or {}).get("target") or {}
        template = target.get("template") or {}
        meta = template.get("metadata") or {}
        data = {str(k): str(v) for k, v in (template.get("data") or {}).items()}
        secret_name = str(target.get("name") or metadata.get("name", ""))
    else:
        return None
    labels = {str(k): str(v) for k, v in (meta.get("labels") or {}).items()}
    if labels.get(_CLUSTER_LABEL) != "cluster" or not data.get("server"):
        return None
    return {
        "secret": secret_name,
        "name": data.get("name", ""),
        "server": data["server"],
        "project": data.get("project", ""),
        "labels": labels,
        "annotations": {str(k): str(v) for k, v in (meta.get("annotations") or {}).items()},
    }


def _decoded(data: Any) -> Iterator[tuple[str, str]]:
    for key, value in (data or {}).items() if isinstance(data, dict) else []:
        try:
            yield str(key), base64.b64decode(str(value), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError, ValueError):
            yield str(key), str(value)


def _repo_files(repo_dir: Path) -> list[str]:
    """Every file below repo_dir (what `git ls-files` lists in a clean checkout), posix paths."""
    files = []
    for root, dirs, names in os.walk(repo_dir):
        dirs[:] = sorted(d for d in dirs if d != ".git")
        base = Path(root).relative_to(repo_dir).as_posix()
        for name in sorted(names):
            files.append(name if base == "." else f"{base}/{name}")
    return files


def _repo_directories(repo_dir: Path) -> list[str]:
    """The directories Argo CD's repo server lists: not hidden, holding at least one file
    (Git keeps no empty directory), in walk order."""
    result = []
    for root, dirs, names in os.walk(repo_dir):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        base = Path(root).relative_to(repo_dir).as_posix()
        if base != "." and (names or _has_files(Path(root))):
            result.append(base)
    return result


def _has_files(directory: Path) -> bool:
    return any(p.is_file() for p in directory.rglob("*"))


_GLOB_CHARS = re.compile(r"[*?\[]")


def _git_pathspec_match(pattern: str, path: str) -> bool:
    """A `git ls-files -- <pattern>` pathspec: a glob whose `*` also matches `/`, or a
    literal path naming the file or a directory above it."""
    pattern = pattern.lstrip("/")
    if not _GLOB_CHARS.search(pattern):
        literal = pattern.rstrip("/")
        return path == literal or path.startswith(literal + "/")
    return fnmatch.fnmatchcase(path, pattern)


def _glob_regex(pattern: str, *, doublestar: bool) -> re.Pattern[str]:
    """A glob as a regular expression: `*` and `?` stay within one path segment; with
    doublestar, `**` spans segments and `{a,b}` is an alternative."""
    out = []
    i = 0
    while i < len(pattern):
        if doublestar and pattern.startswith("**", i):
            slash = pattern.startswith("**/", i)
            out.append("(?:.*/)?" if slash else ".*")
            i += 3 if slash else 2
            continue
        char = pattern[i]
        closing = {"[": "]", "{": "}"}.get(char)
        end = pattern.find(closing, i + 1) if closing else -1
        if char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "[" and end != -1:
            body = pattern[i + 1 : end]
            negate = body.startswith(("!", "^"))
            body = (body[1:] if negate else body).replace("\\", "\\\\").replace("[", "\\[")
            out.append("[" + ("^" if negate else "") + body + "]")
            i = end
        elif char == "{" and doublestar and end != -1:
            options = pattern[i + 1 : end].split(",")
            out.append("(?:" + "|".join(re.escape(o) for o in options) + ")")
            i = end
        else:
            out.append(re.escape(char))
        i += 1
    return re.compile("".join(out) + r"\Z")


def _doublestar_match(pattern: str, path: str) -> bool:
    return _glob_regex(pattern.lstrip("/"), doublestar=True).match(path) is not None


def _go_path_match(pattern: str, path: str) -> bool:
    """Go's path.Match, as the git directories generator applies it."""
    return _glob_regex(pattern, doublestar=False).match(path) is not None
