"""Every check `scaffold validate` runs, with a stable id, a severity, an explanation and a fix.

Ids never change meaning and are never reused: CI configurations, SARIF dashboards and
``--ignore`` lists refer to them. ``GS0xx`` are lint rules (Argo CD would accept the repo, but
it is a mistake or a risk); ``GS1xx`` are checks that what Argo CD will do with the repo works
at all (parse, schemas, ApplicationSet expansion, projects, paths, Helm).
"""

from __future__ import annotations

from gitops_scaffold.validate.findings import Rule, Severity
from gitops_scaffold.validate.structural import STRUCTURAL_CHECKS

# --- lint rules ---------------------------------------------------------------------------
PRODUCTION_AUTO_SYNC = Rule(
    "GS001",
    "production-auto-sync",
    Severity.warning,
    "Production Application syncs automatically",
    "An Application that targets a production environment has `syncPolicy.automated`. Every "
    "commit that reaches its source (including a merge meant for another environment, a chart "
    "bump, or a change to a shared values file) is applied to production without anyone "
    "pressing Sync, and with `prune` Argo CD also deletes what disappeared from Git. Promotion "
    "to production should be a deliberate, reviewable act, inside the project's sync windows.",
    "Remove `spec.syncPolicy.automated` from production Applications (in an ApplicationSet: "
    "add it through a `templatePatch` only for non-production environments) and sync "
    "production by hand or from a promotion pipeline.",
)

HPA_REPLICAS_DRIFT = Rule(
    "GS002",
    "hpa-replicas-drift",
    Severity.warning,
    "HorizontalPodAutoscaler without ignoreDifferences on replicas",
    "The Application deploys a Deployment that a HorizontalPodAutoscaler scales, but it does not "
    "ignore `/spec/replicas` of that Deployment (or the manifest itself sets `replicas`). The "
    "HPA changes the replica count at run time, so Argo CD shows the Application OutOfSync, "
    "and with self-heal or the next sync it resets the count to the value in Git, fighting the "
    "autoscaler: pods are killed during a load peak.",
    "Drop `replicas` from the Deployment manifest when autoscaling is on, and add to the "
    "Application `ignoreDifferences: [{group: apps, kind: Deployment, jsonPointers: "
    "[/spec/replicas]}]` with the `RespectIgnoreDifferences=true` sync option.",
)

SECRET_IN_GIT = Rule(
    "GS003",
    "secret-in-git",
    Severity.error,
    "Secret value committed to Git",
    "A Kubernetes Secret with `data`/`stringData`, a cluster or repository secret of Argo CD with "
    "credentials, or a Helm value whose key names a credential (password, token, secret key) "
    "holds a literal value. Anything in Git is readable by everyone with access to the "
    "repository and its history, forever; base64 is an encoding, not encryption.",
    "Rotate the exposed credential, then deliver it from a secret manager: an ExternalSecret "
    "(External Secrets Operator), a SealedSecret, or IRSA/workload identity instead of a static "
    "credential. Reference the resulting Secret by name (`existingSecret`, `secretKeyRef`).",
)

HOOK_WITHOUT_DEADLINE = Rule(
    "GS004",
    "hook-without-deadline",
    Severity.warning,
    "Hook Job without activeDeadlineSeconds",
    "A Job that runs as an Argo CD or Helm hook has no `spec.activeDeadlineSeconds`. If it hangs "
    "(a migration waiting on a lock, a smoke test waiting on a dead endpoint), the sync "
    "operation waits for it forever: the Application stays 'Syncing', later commits are not "
    "applied, and only a manual terminate unblocks it.",
    "Set `spec.activeDeadlineSeconds` on every hook Job (a few minutes more than its longest "
    "expected run) and a small `backoffLimit`, so a stuck hook fails the sync instead.",
)

DEFAULT_PROJECT = Rule(
    "GS005",
    "default-project",
    Severity.warning,
    "Application in the default project",
    "The Application uses the `default` AppProject, which out of the box permits every source "
    "repository, every destination cluster and namespace, and every kind, cluster-scoped ones "
    "included. Anyone who can create Applications there can deploy anything anywhere; project "
    "roles, sync windows and resource restrictions do not apply.",
    "Create an AppProject per team (and environment) that lists its exact source repos, "
    "destinations and kinds, set `spec.project` to it, and restrict or empty the `default` "
    "project.",
)

WILDCARD_PROJECT = Rule(
    "GS006",
    "wildcard-project",
    Severity.warning,
    "AppProject permits any source or destination",
    "An AppProject has `*` in `sourceRepos`, or a destination whose server, name or namespace is "
    "`*`. Every Application in it may then deploy from any repository or into any namespace "
    "(including `kube-system` and Argo CD's own), so the project no longer isolates the team "
    "that owns it.",
    "List the exact repository URLs and the `server` + `namespace` pairs the project needs. "
    "Use a narrow glob (`team-a-*`) only where names are truly open-ended.",
)

UNPINNED_CHART = Rule(
    "GS007",
    "unpinned-chart",
    Severity.warning,
    "Helm chart version not pinned",
    "A Helm chart source (an Application with `chart:`, or a dependency in `Chart.yaml`) uses "
    "a version range, `*`, `latest` or no version. Argo CD resolves it anew on every refresh, "
    "so an upstream release changes what runs in the cluster without a commit, differently "
    "per cluster and at a moment nobody chose, and a rollback to an old commit no longer "
    "restores the old chart.",
    "Pin an exact chart version (`targetRevision: 1.16.3`, `version: 1.16.3`) and raise it in "
    "a reviewed commit (Renovate or Dependabot can open those for you).",
)

UNPINNED_IMAGE = Rule(
    "GS008",
    "unpinned-image",
    Severity.warning,
    "Container image uses `latest` or no tag",
    "A container image is referenced as `:latest` or without a tag (which means `latest`). The "
    "manifest no longer says what runs: two nodes can run different builds, a restart silently "
    "upgrades, Argo CD cannot show the change, and a rollback in Git does not roll back.",
    "Use an immutable tag (a release version or the commit SHA) or a digest "
    "(`image@sha256:...`), and let a pipeline or Argo CD Image Updater bump it through Git.",
)

IMAGE_UPDATES_AUTO_SYNC_PRODUCTION = Rule(
    "GS009",
    "image-updates-auto-sync-production",
    Severity.error,
    "Image updates on an auto-syncing production Application",
    "Argo CD Image Updater is configured (an `ImageUpdater` resource or `argocd-image-updater` "
    "annotations) for an Application that targets production and syncs automatically. Any "
    "image pushed to the registry that matches the update strategy then goes to production "
    "with no commit review, no promotion through the earlier environments, and no sync window.",
    "Enable image updates only for early environments (dev, staging) and promote to "
    "production by committing the tag; or turn auto-sync off for production.",
)

ROOT_APP_CASCADE = Rule(
    "GS010",
    "root-app-cascade",
    Severity.warning,
    "App of Apps root with cascading deletion",
    "An Application that manages other Applications (an App of Apps root) carries the "
    "`resources-finalizer.argocd.argoproj.io` finalizer, or prunes automatically. Deleting the "
    "root (or removing one file from its folder) then deletes the child Applications, and "
    "through their own finalizers every workload they deployed: one `kubectl delete` or a bad "
    "merge takes down the whole platform.",
    "Remove the resources finalizer from the root (and `automated.prune`), so that deleting "
    "it orphans its children instead; delete a child Application on purpose when it must go.",
)

SINGLE_BRACE_PLACEHOLDER = Rule(
    "GS011",
    "single-brace-placeholder",
    Severity.error,
    "Placeholder that is never substituted",
    "An ApplicationSet template contains `{name}` with single braces, or a fasttemplate "
    "`{{name}}` while `goTemplate: true` (or the reverse, `{{ .name }}` without goTemplate). "
    "Single braces are never substituted by either engine, so the Application gets the "
    "literal text (an invalid name, a path that does not exist); the other mismatches fail "
    "generation and no Application appears.",
    'Use `goTemplate: true` with `goTemplateOptions: ["missingkey=error"]` and write '
    "placeholders as `{{ .path.basename }}` (with the dot).",
)

TEMPLATED_BOOLEAN = Rule(
    "GS012",
    "templated-boolean",
    Severity.error,
    "Boolean or number field templated as a string",
    "An ApplicationSet template writes a placeholder into a field the Application schema types "
    'as boolean or integer (for example `prune: "{{ .prune }}"`). The rendered value is the '
    'string "true", which the API server rejects under strict validation, so the '
    "Application is never created or updated.",
    "Keep the field out of `template` and add it in a `templatePatch` (a Go template that "
    "renders YAML, so `prune: {{ .prune }}` becomes a real boolean), or use a literal.",
)

MISPLACED_FIELD = Rule(
    "GS013",
    "misplaced-field",
    Severity.error,
    "Field in the wrong place",
    "A field sits where Argo CD does not read it: `preserveResourcesOnDeletion` directly under "
    "an ApplicationSet's `spec` (it belongs in `spec.syncPolicy`), or an Application's "
    "`syncPolicy`/`ignoreDifferences` outside `spec`. Strict validation rejects the object; a "
    "non-strict apply drops the field silently, so deleting the ApplicationSet deletes every "
    "generated Application and its workloads.",
    "Move the field to its documented place: `spec.syncPolicy.preserveResourcesOnDeletion: "
    "true` on ApplicationSets.",
)

DEPRECATED_INGRESS_CLASS_ANNOTATION = Rule(
    "GS014",
    "deprecated-ingress-class-annotation",
    Severity.warning,
    "Deprecated ingress-class annotation",
    "An Ingress (or a chart value for one) uses the `kubernetes.io/ingress.class` annotation, "
    "deprecated since Kubernetes 1.18. Current ingress-nginx releases ignore it unless started "
    "with a legacy flag, so the Ingress is not served, and it cannot be combined with "
    "`spec.ingressClassName`.",
    "Set `spec.ingressClassName: nginx` (or your class) and remove the annotation.",
)

MIGRATION_AFTER_DEPLOYMENT = Rule(
    "GS015",
    "migration-after-deployment",
    Severity.error,
    "Database migration runs after the Deployment",
    "A migration Job is ordered at or after the Deployment it prepares (a later or equal sync "
    "wave in the same phase, or a PostSync hook). Argo CD then rolls out the new pods before the "
    "schema they expect exists: they crash or, worse, write to the old schema.",
    "Make the migration a `Sync` hook in a lower wave than the Deployment (or a `PreSync` "
    'hook): `argocd.argoproj.io/hook: Sync` and `argocd.argoproj.io/sync-wave: "1"` with the '
    'Deployment at "3".',
)

ARGOCD_NOT_ON_SYSTEM_NODES = Rule(
    "GS016",
    "argocd-not-on-system-nodes",
    Severity.warning,
    "Argo CD not pinned to system nodes",
    "The argo-cd chart values set no `global.nodeSelector` and no node affinity "
    "(`global.affinity.nodeAffinity`). Argo CD then shares nodes with the workloads it deploys: a "
    "misbehaving release or a node autoscaler (Karpenter consolidation) can evict the "
    "controller that is needed to repair it.",
    "Set `global.nodeSelector` (and matching `global.tolerations`) in the argo-cd values to a "
    "dedicated system node group that the autoscaler does not consolidate.",
)

TEAM_PROJECT_PLATFORM_NAMESPACE = Rule(
    "GS017",
    "team-project-platform-namespace",
    Severity.error,
    "Team AppProject permits a platform namespace",
    "An AppProject other than the platform's (`default`, `platform`, or one already trusted "
    "with every cluster-scoped kind) has a destination whose namespace is, or as a glob "
    "matches, one the platform owns: Argo CD's namespace, `default`, a `kube-*` namespace, or "
    "a namespace a platform Application deploys to (an add-on's). Anyone who can commit to "
    "that team's Applications can then replace what runs there; in Argo CD's namespace, "
    "rewrite `argocd-rbac-cm` and make themselves admin.",
    "List the team's own namespaces in the project's destinations, exactly (no `*`), and give "
    "a service that collides with a platform namespace another name.",
)

SHARED_DESTINATION = Rule(
    "GS018",
    "shared-destination",
    Severity.error,
    "Two team AppProjects permit the same namespace",
    "Two different team AppProjects both permit one namespace on one cluster. Each team can "
    "then deploy over, or prune, the other's resources there, and Argo CD reports the shared "
    "objects as managed by two Applications. It usually means two derived names collided "
    "(service `shop-dev` beside service `shop` in environment `dev`).",
    "Give each team's services namespaces of their own; rename one of the services.",
)

DUPLICATE_INGRESS = Rule(
    "GS019",
    "duplicate-ingress",
    Severity.error,
    "Two Applications serve the same host and path on one cluster",
    "Ingresses of two Applications on the same cluster route the same host and path. The "
    "ingress-nginx admission webhook refuses the second one ('host and path already "
    "defined'), so its sync fails; without the webhook, requests go to either service.",
    "Give each environment on the cluster its own host (`ingress.hosts: {<env>: <host>}` in "
    "scaffold.yaml), or a different path.",
)

INGRESS_NGINX_RETIRED = Rule(
    "GS030",
    "ingress-nginx-retired",
    # A warning fails `scaffold validate` (default --fail-on warning); a choice recorded in
    # scaffold.yaml is reported as info, so a repo that keeps ingress-nginx knowingly passes CI.
    Severity.warning,
    "ingress-nginx is retired upstream",
    "An Application installs the ingress-nginx controller. The Kubernetes project retired "
    "ingress-nginx in March 2026: chart 4.15.1 (controller v1.15.1) is the last release, and no "
    "bug or security vulnerability will be fixed after it, although the controller is exposed "
    "to every request that reaches the cluster.",
    "Move to a maintained controller: on EKS set `ingress: {controller: "
    "aws-load-balancer-controller}` in scaffold.yaml (ALBs, certificates from ACM), or install "
    "another Ingress or Gateway API implementation. To keep ingress-nginx knowingly, record "
    "`ingress: {controller: ingress-nginx}` in scaffold.yaml (gitops-scaffold writes it when it "
    "renders): the finding is then info, which the default `--fail-on warning` lets pass; or "
    "suppress it in the Application (`# scaffold-validate: ignore GS030 -- reason`).",
)

_LINT_RULES = [
    PRODUCTION_AUTO_SYNC,
    HPA_REPLICAS_DRIFT,
    SECRET_IN_GIT,
    HOOK_WITHOUT_DEADLINE,
    DEFAULT_PROJECT,
    WILDCARD_PROJECT,
    UNPINNED_CHART,
    UNPINNED_IMAGE,
    IMAGE_UPDATES_AUTO_SYNC_PRODUCTION,
    ROOT_APP_CASCADE,
    SINGLE_BRACE_PLACEHOLDER,
    TEMPLATED_BOOLEAN,
    MISPLACED_FIELD,
    DEPRECATED_INGRESS_CLASS_ANNOTATION,
    MIGRATION_AFTER_DEPLOYMENT,
    ARGOCD_NOT_ON_SYSTEM_NODES,
    TEAM_PROJECT_PLATFORM_NAMESPACE,
    SHARED_DESTINATION,
    DUPLICATE_INGRESS,
    INGRESS_NGINX_RETIRED,
]

RULES: dict[str, Rule] = {rule.id: rule for rule in (*_LINT_RULES, *STRUCTURAL_CHECKS)}
