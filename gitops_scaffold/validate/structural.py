"""The structural checks (GS1xx): what Argo CD will do with the repository works at all.

Their catalog entries (id, severity, title, explanation, fix), bound once; ``catalog.RULES``
lists them after the lint rules. Ids never change meaning and are never reused.
"""

from __future__ import annotations

from gitops_scaffold.validate.findings import Rule, Severity

YAML = Rule(
    "GS100",
    "yaml",
    Severity.error,
    "YAML cannot be read",
    "The file is not valid YAML (a syntax error or a duplicate key). Argo CD fails to generate "
    "manifests for the whole directory that contains it.",
    "Fix the YAML at the reported line; `yamllint` shows more context.",
)

ARGOCD_SCHEMA = Rule(
    "GS101",
    "argocd-schema",
    Severity.error,
    "Argo CD object does not match its CRD schema",
    "An Application, ApplicationSet or AppProject does not validate against the CRD of the "
    "pinned Argo CD version: an unknown or misplaced field, a wrong type, a missing required "
    "field. Argo CD applies with strict field validation, so the object is rejected (or, "
    "applied by hand without validation, the field is silently dropped).",
    "Correct the field at the reported line; the message names the path and what the schema expects.",
)

KUBERNETES_SCHEMA = Rule(
    "GS102",
    "kubernetes-schema",
    Severity.error,
    "Kubernetes object does not match its schema",
    "A Kubernetes object (written in Git or rendered from a chart) does not validate against "
    "the OpenAPI schema of the Kubernetes version checked: an unknown field, a wrong type, a "
    "removed API version. The sync fails for that resource.",
    "Correct the field at the reported path, or the chart value that produces it.",
)

APPLICATIONSET_GENERATION = Rule(
    "GS103",
    "applicationset-generation",
    Severity.error,
    "ApplicationSet does not generate",
    "Expanding the ApplicationSet as the Argo CD controller does failed: a template references "
    "a missing key (with `missingkey=error`), a Go template does not parse, a generator is "
    "malformed (a matrix needs exactly two children), a git generator points at nothing, or "
    "a generated Application is invalid. Argo CD then creates none of its Applications.",
    "Fix the template or generator named in the message; `scaffold preview` shows what the "
    "ApplicationSet generates.",
)

PROJECT_MISSING = Rule(
    "GS104",
    "project-missing",
    Severity.error,
    "Application's AppProject does not exist",
    "The Application names an AppProject that is not defined in the repository (and is not "
    "`default`). Argo CD refuses to sync it: 'application references project X which does not "
    "exist'.",
    "Create the AppProject (and let it sync before the Application: a lower sync wave), or fix "
    "`spec.project`.",
)

PROJECT_SOURCE_DENIED = Rule(
    "GS105",
    "project-source-denied",
    Severity.error,
    "AppProject does not permit the source repository",
    "The Application's `repoURL` matches none of its project's `sourceRepos` (or matches a "
    "`!` exclusion). Argo CD refuses the Application: 'application repo X is not permitted in "
    "project Y'.",
    "Add the repository URL to the project's `sourceRepos`, or fix the `repoURL` (the exact "
    "form matters: `https://` vs `git@`, a trailing `.git`).",
)

PROJECT_DESTINATION_DENIED = Rule(
    "GS106",
    "project-destination-denied",
    Severity.error,
    "AppProject does not permit the destination",
    "The Application's destination (cluster server or name, and namespace) matches none of its "
    "project's `destinations`, or the destination itself is invalid (both `server` and `name`, "
    "an unknown cluster name). Argo CD refuses to sync it.",
    "Add the `server` + `namespace` pair to the project's destinations, or correct the "
    "Application's destination.",
)

PROJECT_KIND_DENIED = Rule(
    "GS107",
    "project-kind-denied",
    Severity.error,
    "AppProject does not permit a kind the Application deploys",
    "The Application deploys a resource kind its project does not permit (a namespaced kind "
    "outside `namespaceResourceWhitelist` or inside the blacklist, a cluster-scoped kind such "
    "as the Namespace created by `CreateNamespace=true` outside `clusterResourceWhitelist`). "
    "The sync fails for that resource: 'resource X is not permitted in project Y'.",
    'Add the group and kind to the project\'s whitelist (for the Namespace, `{group: "", kind: '
    "Namespace, name: <namespace>}`), or stop deploying it.",
)

SOURCE_PATH_MISSING = Rule(
    "GS108",
    "source-path-missing",
    Severity.error,
    "Source path does not exist",
    "An Application's source `path` (in this repository) does not exist, so Argo CD reports "
    "'app path does not exist' and the Application stays Unknown.",
    "Fix `path` (it is relative to the repository root, without a leading slash), or add the folder.",
)

VALUES_FILE_MISSING = Rule(
    "GS109",
    "values-file-missing",
    Severity.error,
    "Helm values file does not exist",
    "A file in `helm.valueFiles` does not exist (relative to the chart path, or to the "
    "repository of a `$ref` source). Manifest generation fails for the Application unless "
    "`ignoreMissingValueFiles: true` is set.",
    "Create the values file or correct its name in `valueFiles`.",
)

DUPLICATE_NAME = Rule(
    "GS110",
    "duplicate-name",
    Severity.error,
    "Two objects with the same name",
    "Two Applications (written or generated), ApplicationSets or AppProjects have the same "
    "name in the same namespace. Only one can exist: they overwrite each other on every sync, "
    "or the ApplicationSet controller refuses to generate ('duplicate key').",
    "Make the names unique, for example `<service>-<environment>` for generated Applications.",
)

HELM_LINT = Rule(
    "GS111",
    "helm-lint",
    Severity.error,
    "helm lint reports a problem",
    "`helm lint` with the Application's values reports an error (invalid Chart.yaml, values "
    "that fail values.schema.json, a template that does not render). Argo CD runs the same "
    "Helm code, so the sync fails the same way.",
    "Run `helm lint <chart> -f <values files>` and fix the reported problem.",
)

HELM_RENDER = Rule(
    "GS112",
    "helm-render",
    Severity.error,
    "Helm chart does not render",
    "`helm template` fails for the chart with the values of an Application (a missing value, "
    "a `required` or `fail` call, a type error in a template). Argo CD reports "
    "ComparisonError and deploys nothing.",
    "Render it locally with the same values files and fix the template or the values.",
)

STRUCTURAL_CHECKS = [
    YAML,
    ARGOCD_SCHEMA,
    KUBERNETES_SCHEMA,
    APPLICATIONSET_GENERATION,
    PROJECT_MISSING,
    PROJECT_SOURCE_DENIED,
    PROJECT_DESTINATION_DENIED,
    PROJECT_KIND_DENIED,
    SOURCE_PATH_MISSING,
    VALUES_FILE_MISSING,
    DUPLICATE_NAME,
    HELM_LINT,
    HELM_RENDER,
]
