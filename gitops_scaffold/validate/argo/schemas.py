"""Schema checks: Argo CD objects against the CRDs of the pinned Argo CD version, everything else
against the Kubernetes OpenAPI schemas that ``kubernetes-validate`` bundles.

The Argo CD schemas are JSON Schema (draft-07) documents derived from the upstream CRDs and
shipped in this package (``gitops_scaffold/schemas/argocd/<version>/``); ``--schemas DIR`` points
at another set with the same three file names. They are strict (unknown fields are errors)
because Argo CD applies with strict field validation.

The Kubernetes schemas are read from ``kubernetes-validate``'s data files directly, with one
compiled validator per kind (its own ``validate()`` re-reads the 1 MB definitions file on every
call, which would make a large repo quadratic-looking slow).
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Callable, Iterator
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gitops_scaffold.errors import UserInputError
from gitops_scaffold.validate.argo import fastschema
from gitops_scaffold.validate.argo.loader import Path_, dotted
from gitops_scaffold.validate.findings import Finding, Rule
from gitops_scaffold.validate.structural import ARGOCD_SCHEMA, KUBERNETES_SCHEMA

if TYPE_CHECKING:
    from jsonschema.exceptions import ValidationError

ARGOCD_VERSION = "v3.5.1"
ARGO_KINDS = {"Application": "application", "ApplicationSet": "applicationset", "AppProject": "appproject"}
MAX_ERRORS_PER_OBJECT = 10
# argoproj.io kinds of Argo Rollouts, Workflows and Events: valid, not Argo CD's to check.
OTHER_ARGOPROJ_KINDS = frozenset(
    {
        "Rollout",
        "AnalysisTemplate",
        "ClusterAnalysisTemplate",
        "AnalysisRun",
        "Experiment",
        "Workflow",
        "WorkflowTemplate",
        "ClusterWorkflowTemplate",
        "CronWorkflow",
        "WorkflowEventBinding",
        "WorkflowTaskSet",
        "WorkflowTaskResult",
        "WorkflowArtifactGCTask",
        "EventSource",
        "Sensor",
        "EventBus",
    }
)

Locate = Callable[[Path_], int]


def bundled_schemas_dir() -> Path:
    return Path(str(resources.files("gitops_scaffold") / "schemas" / "argocd" / ARGOCD_VERSION))


class ArgoSchemas:
    """Validators for Application, ApplicationSet and AppProject (compiled lazily, once)."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory or bundled_schemas_dir()
        missing = [f"{n}.json" for n in ARGO_KINDS.values() if not (self.directory / f"{n}.json").is_file()]
        if missing:
            raise UserInputError(
                f"--schemas {self.directory}: missing {', '.join(missing)} "
                "(expected application.json, applicationset.json and appproject.json)"
            )
        self._schemas: dict[str, dict[str, Any]] = {}
        self._validators: dict[str, Any] = {}
        self._verdicts: dict[str, Any] = {}  # jsonschema-rs, compiled once per kind

    @staticmethod
    def available() -> bool:
        """jsonschema is installed (the `validate` extra)."""
        try:
            import jsonschema  # noqa: F401
        except ImportError:
            return False
        return True

    @property
    def source(self) -> str:
        derived = self.schema("Application").get("x-derived-from", {})
        return str(derived.get("source", self.directory))

    def schema(self, kind: str) -> dict[str, Any]:
        if kind not in self._schemas:
            path = self.directory / f"{ARGO_KINDS[kind]}.json"
            try:
                schema = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise UserInputError(f"cannot read the schema {path}: {exc}") from None
            if not isinstance(schema, dict):
                raise UserInputError(f"{path} is not a JSON Schema object")
            self._schemas[kind] = schema
        return self._schemas[kind]

    def validator(self, kind: str) -> Any:
        if kind not in self._validators:
            import jsonschema

            self._validators[kind] = jsonschema.Draft7Validator(self.schema(kind))
        return self._validators[kind]

    def check(self, data: dict[str, Any], file: str, locate: Locate, context: str = "") -> list[Finding]:
        kind = data.get("kind")
        if kind not in ARGO_KINDS:
            if kind in OTHER_ARGOPROJ_KINDS:
                return []
            close = difflib.get_close_matches(str(kind), [*ARGO_KINDS, *OTHER_ARGOPROJ_KINDS], n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            return [
                ARGOCD_SCHEMA.finding(
                    file, locate(("kind",)), f"kind: {kind!r} is no argoproj.io kind{hint}", context
                )
            ]
        if str(kind) not in self._verdicts:
            self._verdicts[str(kind)] = fastschema.compile_verdict(self.schema(str(kind)), draft7=True)
        if fastschema.is_valid(self._verdicts[str(kind)], data):
            return []
        return _findings(self.validator(str(kind)).iter_errors(data), ARGOCD_SCHEMA, file, locate, context)


class KubeSchemas:
    """Kubernetes' own schemas (strict), for one Kubernetes version; None when not installed."""

    def __init__(self, version: str | None = None) -> None:
        import kubernetes_validate  # the optional `validate` extra

        root = resources.files(kubernetes_validate) / "kubernetes-json-schema"
        versions = sorted(
            (
                m.group(1)
                for entry in root.iterdir()
                if (m := re.fullmatch(r"v(\d+\.\d+)\.\d+-local-strict", entry.name))
            ),
            key=lambda v: tuple(int(p) for p in v.split(".")),
        )
        if not versions:
            raise UserInputError("kubernetes-validate ships no schemas")
        wanted = _major_minor(version) if version else versions[-1]
        usable = [v for v in versions if _key(v) <= _key(wanted)]
        if not usable:
            raise UserInputError(
                f"--kube-version {version}: kubernetes-validate has schemas for {versions[0]} to "
                f"{versions[-1]} only"
            )
        self.version = usable[-1]
        self._dir = next(
            entry
            for entry in root.iterdir()
            if entry.name.startswith(f"v{self.version}.") and entry.name.endswith("-local-strict")
        )
        self._validators: dict[tuple[str, str], Any] = {}
        self._verdicts: dict[tuple[str, str], Any] = {}  # jsonschema-rs, compiled once per kind
        self._definitions: dict[str, Any] | None = None
        self._registry: Any = None
        # Errors found elsewhere (with the render, in a worker or the cache), by object identity.
        self._known: dict[int, tuple[dict[str, Any], list[tuple[Path_, str]] | None]] = {}
        self.unknown: set[str] = set()  # kinds without a schema (custom resources)

    @property
    def fingerprint(self) -> str:
        """Names the schema set (for cache keys): kubernetes-validate's folder of this version."""
        return self._dir.name

    def _schema_file(self, api_version: str, kind: str) -> Any:
        name = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)
        return self._dir / f"{kind.lower()}-{name}.json"

    def _defs(self) -> dict[str, Any]:
        if self._definitions is None:
            self._definitions = json.loads((self._dir / "_definitions.json").read_text(encoding="utf-8"))
        return self._definitions

    def _validator(self, api_version: str, kind: str) -> Any:
        key = (api_version, kind)
        if key not in self._validators:
            entry = self._schema_file(api_version, kind)
            if not entry.is_file():
                self._validators[key] = None
            else:
                import jsonschema
                from referencing import Registry, Resource

                if self._registry is None:
                    self._registry = Resource.from_contents(self._defs()) @ Registry()
                schema = json.loads(entry.read_text(encoding="utf-8"))
                registry = Resource.from_contents(schema) @ self._registry
                cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
                self._validators[key] = cls(schema, registry=registry)
        return self._validators[key]

    def _verdict(self, api_version: str, kind: str) -> Any:
        """The jsonschema-rs validator of a kind (None: unknown kind or no jsonschema-rs)."""
        key = (api_version, kind)
        if key not in self._verdicts:
            entry = self._schema_file(api_version, kind)
            self._verdicts[key] = (
                fastschema.compile_verdict(
                    json.loads(entry.read_text(encoding="utf-8")), definitions=self._defs()
                )
                if entry.is_file()
                else None
            )
        return self._verdicts[key]

    def errors(self, data: dict[str, Any]) -> list[tuple[Path_, str]] | None:
        """The schema errors of an object as (key path, message), at most
        MAX_ERRORS_PER_OBJECT; None when no schema knows its kind (a custom resource)."""
        api_version, kind = str(data.get("apiVersion")), str(data.get("kind"))
        if fastschema.is_valid(self._verdict(api_version, kind), data):
            return []
        validator = self._validator(api_version, kind)
        if validator is None:
            return None
        return _described(validator.iter_errors(data))

    def known(self, data: dict[str, Any], errors: list[tuple[Path_, str]] | None) -> None:
        """Record ``errors(data)`` computed elsewhere, so ``check`` does not compute it again."""
        self._known[id(data)] = (data, errors)

    def check(self, data: dict[str, Any], file: str, locate: Locate, context: str = "") -> list[Finding]:
        known = self._known.get(id(data))
        errors = known[1] if known is not None and known[0] is data else self.errors(data)
        if errors is None:
            self.unknown.add(unknown_name(data))
            return []
        return [KUBERNETES_SCHEMA.finding(file, locate(path), message, context) for path, message in errors]


def unknown_name(data: dict[str, Any]) -> str:
    """How the note on kinds without a schema names one."""
    return f"{data.get('kind')} ({data.get('apiVersion')})"


def kube_schemas(version: str | None) -> tuple[KubeSchemas | None, str | None]:
    """The Kubernetes schemas, or None with a note when the optional extra is missing."""
    try:
        return KubeSchemas(version), None
    except ImportError:
        return None, (
            "Kubernetes objects were not schema-checked: install the `validate` extra "
            "(pip install 'gitops-scaffold[validate]') for kubernetes-validate"
        )


def _major_minor(version: str) -> str:
    m = re.match(r"v?(\d+)\.(\d+)", version)
    if not m:
        raise UserInputError(f"--kube-version {version!r}: expected MAJOR.MINOR, e.g. 1.33")
    return f"{m.group(1)}.{m.group(2)}"


def _key(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in version.split("."))


def _findings(
    errors: Iterator[ValidationError], rule: Rule, file: str, locate: Locate, context: str
) -> list[Finding]:
    return [rule.finding(file, locate(path), message, context) for path, message in _described(errors)]


def _described(errors: Iterator[ValidationError]) -> list[tuple[Path_, str]]:
    out: list[tuple[Path_, str]] = []
    for error in sorted(errors, key=lambda e: [str(p) for p in e.absolute_path]):
        out.append(describe(error))
        if len(out) >= MAX_ERRORS_PER_OBJECT:
            break
    return out


def describe(error: ValidationError) -> tuple[Path_, str]:
    """The path a finding should point at and a one-line message for a schema error."""
    path: Path_ = tuple(error.absolute_path)
    where = dotted(path) or "the object"
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        known = set(error.schema.get("properties", {}))
        extra = sorted(k for k in error.instance if k not in known)
        if extra:
            return (*path, extra[0]), (
                f"{dotted((*path, extra[0]))}: unknown field {extra[0]!r}"
                + (f" (and {', '.join(map(repr, extra[1:]))})" if extra[1:] else "")
                + (f"; {where} accepts: {', '.join(sorted(known))}" if 0 < len(known) <= 12 else "")
            )
    if error.validator == "required":
        return path, f"{where}: {error.message}"
    if error.validator == "type":
        return path, f"{where}: {_short(error.instance)} is not of type {error.validator_value!r}"
    if error.validator == "anyOf" and error.context:
        return path, f"{where}: {_short(error.instance)} is not valid ({error.context[0].message})"
    return path, f"{where}: {error.message}"


def _short(value: Any) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= 60 else text[:57] + "..."
