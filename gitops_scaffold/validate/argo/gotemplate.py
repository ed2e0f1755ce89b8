"""Go templates through Helm: many parameter sets rendered per call to a throwaway chart."""

from __future__ import annotations

import functools
import io
import json
import re
import tarfile
from collections.abc import Callable, Sequence

from gitops_scaffold.validate.argo.common import INSTALL_ENGINE, ExpansionError, Json
from gitops_scaffold.validate.argo.params import short

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


# Every parameter set through one template that loops over them: Helm clones every template
# of a chart for each `tpl` call, so a chart of one template keeps each call cheap. Each job's
# output is one JSON line (toJson escapes newlines).
_LOOP_TEMPLATE = (
    "{{- range $job := .Values.jobs -}}\n"
    "{{- $out := list -}}\n"
    "{{- range $job.strings -}}\n"
    "{{- $out = append $out (tpl (index $.Values.strings (int .)) $job.params) -}}\n"
    "{{- end -}}\n"
    "{{ toJson $out }}\n"
    "{{ end -}}\n"
)
# Parameter sets per call to Helm: few calls (each loads a chart), values of bounded size.
JOBS_PER_LOOP = 1000
# Each `tpl` call costs about 0.1 ms whatever its size (it clones the template set with its
# function maps), so a job's strings go through one call, joined by this separator, when that
# renders the same as one call each: no string declares or reads a variable (`$x` would be
# visible to the strings after it) or defines a template. NUL and US never occur in templates.
_SEPARATOR = "\x00\x1fgitops-scaffold\x1f\x00"
_SCOPED = re.compile(r"\$|\b(?:define|template|block)\b")
# When a loop fails, its jobs are rendered again one template per job, in batches of this
# many, so that the error names the parameter set that failed. One template per job makes a
# render's cost grow with the square of its templates: batches keep that bounded.
JOBS_PER_RENDER = 100


class GoRenderer:
    """Renders strings as Go templates, many parameter sets per call to Helm."""

    def __init__(self, strict: bool, appset_name: str) -> None:
        self.strict = strict
        self.appset_name = appset_name

    def render(
        self, jobs: Sequence[tuple[Json, Sequence[str]]], where: str = "spec.template"
    ) -> list[list[str]]:
        """For each (params, strings): the strings rendered with the params."""
        rendered: list[list[str]] = []
        for start in range(0, len(jobs), JOBS_PER_LOOP):
            rendered += self._render_loop(jobs[start : start + JOBS_PER_LOOP], where)
        return rendered

    def _render_loop(self, jobs: Sequence[tuple[Json, Sequence[str]]], where: str) -> list[list[str]]:
        """All jobs through the one looping template; on any error, one template per job."""
        joined = self._render_joined(jobs, where)
        if joined is not None:
            return joined
        values = self._values(jobs, where)
        if values is not None:
            lines = _helm_loop(values, self.strict)
            if lines is not None and len(lines) == len(jobs):
                return [json.loads(line) for line in lines]
        rendered: list[list[str]] = []
        for start in range(0, len(jobs), JOBS_PER_RENDER):
            rendered += self._render_batch(jobs[start : start + JOBS_PER_RENDER], where)
        return rendered

    def _render_joined(
        self, jobs: Sequence[tuple[Json, Sequence[str]]], where: str
    ) -> list[list[str]] | None:
        """Each job's strings in one `tpl` call (see _SEPARATOR), or None when that cannot
        stand for one call per string (then the caller renders them one by one)."""
        unique = list(dict.fromkeys(s for _, strings in jobs for s in strings))  # in order: one error
        if not unique or any(_SEPARATOR in text or _scoped(text) for text in unique):
            return None
        for text in unique:
            self.check_functions(text, where)
        values = self._values([(params, [_SEPARATOR.join(strings)]) for params, strings in jobs], where)
        lines = _helm_loop(values, self.strict) if values is not None else None
        if lines is None or len(lines) != len(jobs):
            return None
        rendered: list[list[str]] = []
        for line, (_, strings) in zip(lines, jobs, strict=True):
            parts = json.loads(line)[0].split(_SEPARATOR) if strings else []
            if len(parts) != len(strings):  # a parameter held the separator
                return None
            rendered.append(parts)
        return rendered

    def _values(self, jobs: Sequence[tuple[Json, Sequence[str]]], where: str) -> Json | None:
        """The chart values for ``jobs`` (None when no job has a string to render)."""
        unique = list(dict.fromkeys(s for _, strings in jobs for s in strings))
        if not unique:
            return None
        for text in unique:
            self.check_functions(text, where)
        index = {s: i for i, s in enumerate(unique)}
        return {
            "strings": unique,
            "jobs": [{"params": params, "strings": [index[s] for s in strings]} for params, strings in jobs],
        }

    def _render_batch(self, jobs: Sequence[tuple[Json, Sequence[str]]], where: str) -> list[list[str]]:
        values = self._values(jobs, where)
        if values is None:
            return [[] for _ in jobs]
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
                context = f" with parameters {short(params)}"
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


def _scoped(text: str) -> bool:
    """Whether a template cannot be joined to others: its actions use variables or named
    templates (outside quoted text), or an action is left open (a string after it would
    close it, where alone it is an error)."""
    unquoted = _QUOTED.sub('""', text)
    if "{{" in _ACTION.sub("", unquoted):
        return True
    return any(
        _SCOPED.search(action) or '"' in action.replace('""', "") or "`" in action
        for action in _ACTION.findall(unquoted)
    )


def _helm_loop(values: Json, strict: bool) -> list[str] | None:
    """Render every job of ``values`` through the looping chart: one JSON line per job, or
    None when Helm reports an error (the caller renders again to name the job that failed)."""
    try:
        import helm_python
        from helm_python import _native
    except ImportError:  # the per-job render says what to install
        return None
    chart = helm_python.Chart.load_archive(_loop_archive())
    try:
        options = json.dumps({"strict": strict})
        output = _native.call_string("helm_render", chart._raw(), json.dumps(values), options)
    except helm_python.HelmError:
        return None
    finally:
        chart.close()
    manifests: dict[str, str] = json.loads(output)
    return manifests.get("appset-expand/templates/jobs.yaml", "").splitlines()


@functools.cache
def _loop_archive() -> bytes:
    return _archive(
        {"appset-expand/Chart.yaml": _CHART_YAML, "appset-expand/templates/jobs.yaml": _LOOP_TEMPLATE}
    )


def _chart_archive(count: int) -> bytes:
    files = {"appset-expand/Chart.yaml": _CHART_YAML}
    for i in range(count):
        files[f"appset-expand/templates/job-{i:05d}.yaml"] = _JOB_TEMPLATE % i
    return _archive(files)


def _archive(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, text in files.items():
            data = text.encode("utf-8")
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mode = 0o644
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()
