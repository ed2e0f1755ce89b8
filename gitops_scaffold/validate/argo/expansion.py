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

import copy
import json
import posixpath
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import yaml

from gitops_scaffold.constants import (
    APPLICATION_API_VERSION,
    IN_CLUSTER_NAME,
    IN_CLUSTER_SERVER,
    RESOURCES_FINALIZER,
)
from gitops_scaffold.validate.argo.common import ExpansionError, Json
from gitops_scaffold.validate.argo.globs import doublestar_match, git_pathspec_match, go_path_match
from gitops_scaffold.validate.argo.gotemplate import GoRenderer
from gitops_scaffold.validate.argo.params import flat_element, flatten, load_yaml, sanitize_name
from gitops_scaffold.validate.argo.patch import (
    by_merge_key,
    fast_replace,
    fast_replacer,
    lookup_replacer,
    map_strings,
    merge_generator_template,
    mergo,
    selector_matches,
    strategic_merge,
    template_metadata_and_spec,
    template_strings,
)
from gitops_scaffold.validate.argo.repo import cluster_secrets, repo_directories, repo_files
from gitops_scaffold.yaml_guard import read_text

# How a git files generator matches its paths. "git" is Argo CD's default (`git ls-files`
# pathspecs: `*` also crosses `/`); "doublestar" is the opt-in new globbing
# (applicationsetcontroller.enable.new.git.file.globbing: `*` stays within a directory, `**`
# spans any number of them).
Globbing = Literal["git", "doublestar"]



def expand(
    appset: Mapping[str, Any], repo_dir: Path, *, git_file_globbing: Globbing = "git"
) -> list[Json]:
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
        self.renderer = GoRenderer(self.strict, self.name) if self.go_template else None
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
            merged = merge_generator_template(generator, template)
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
            params = [p for p in params if selector_matches(selector, p, self.fail)]
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
            result.append(copy.deepcopy(element) if self.go_template else flat_element(
                element, f"{where}.elements[{index}]", self.fail
            ))
        elements_yaml = body.get("elementsYaml")
        if elements_yaml:
            loaded = load_yaml(str(elements_yaml))
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
        files = repo_files(self.repo_dir)
        match = git_pathspec_match if self.globbing == "git" else doublestar_match
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
        for directory in repo_directories(self.repo_dir):
            matches = [(go_path_match(str(i["path"]), directory), bool(i.get("exclude")))
                       for i in items]
            if any(m and not ex for m, ex in matches) and not any(m and ex for m, ex in matches):
                result.append(directory)
        return result

    def file_param_sets(self, path: str, where: str) -> list[Json]:
        text = read_text(self.repo_dir / path)
        try:
            content = load_yaml(text)
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
        info["basenameNormalized"] = sanitize_name(info["basename"])
        if content is not None:
            info["filenameNormalized"] = sanitize_name(info["filename"])
        segments = directory.split("/")
        if self.go_template:
            params: Json = copy.deepcopy(content) if content else {}
            params.update({prefix: {"path": {**info, "segments": segments}}} if prefix
                          else {"path": {**info, "segments": segments}})
            return params
        params = dict(flatten(content or {}))
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
                    p[f"values.{key}"] = fast_replace(str(values[key]), p)
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
                {"name": IN_CLUSTER_NAME, "nameNormalized": IN_CLUSTER_NAME, "server": IN_CLUSTER_SERVER,
                 "project": ""}
            )
        for secret in secrets:
            if has_selector and not selector_matches(selector, secret["labels"], self.fail):
                continue
            entry: Json = {
                "name": secret["name"],
                "nameNormalized": sanitize_name(secret["name"]),
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
            raise self.fail(
                f"{where} has {len(children)} child generators; a matrix combines exactly two"
            )
        first = self.generate(children[0], f"{where}.generators[0]", {}, depth=depth + 1)
        result = []
        for previous in first:
            second = self.generate(
                children[1], f"{where}.generators[1]", previous, depth=depth + 1
            )
            for current in second:
                if self.go_template:
                    combined: Json = {}
                    mergo(combined, previous)
                    mergo(combined, current)
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
        base = by_merge_key(sets[0], keys, where, self.fail)
        for other in sets[1:]:
            overrides = by_merge_key(other, keys, where, self.fail)
            for key, params in base.items():
                if key in overrides:
                    if self.go_template:
                        mergo(params, overrides[key], override=True)
                    else:
                        params.update(overrides[key])
        return list(base.values())

    # rendering

    def render_tree(self, jobs: Sequence[tuple[Any, Json]], where: str) -> list[Any]:
        """Each tree with every string (and map key) rendered with its parameters."""
        if self.renderer is None:
            return [map_strings(tree, fast_replacer(params)) for tree, params in jobs]
        string_lists = [template_strings(tree) for tree, _ in jobs]
        rendered = self.renderer.render(
            [(params, strings) for (_, params), strings in zip(jobs, string_lists, strict=True)],
            where,
        )
        result = []
        for (tree, _), strings, outputs in zip(jobs, string_lists, rendered, strict=True):
            result.append(map_strings(tree, lookup_replacer(dict(zip(strings, outputs, strict=True)))))
        return result

    def applications(self) -> list[Json]:
        jobs = list(self.parameter_sets())
        patch = self.spec.get("templatePatch")
        trees: list[Any] = [
            {"template": template_metadata_and_spec(template), "patch": patch or ""}
            for template, _ in jobs
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
            patch = load_yaml(patch_text) if patch_text.strip() else None
        except yaml.YAMLError as exc:
            name = app["metadata"].get("name")
            raise self.fail(f"templatePatch for {name} is not valid YAML: {exc}") from exc
        if patch is None:
            return app
        if not isinstance(patch, dict):
            raise self.fail(
                f"templatePatch for {app['metadata'].get('name')} is not a mapping: {patch!r}"
            )
        project = app["spec"].get("project")
        patched: Json = strategic_merge(app, patch, ())
        # Argo CD restores the project: a patch must not move an Application between projects.
        spec = patched.setdefault("spec", {})
        if project is None:
            spec.pop("project", None)
        else:
            spec["project"] = project
        return patched
