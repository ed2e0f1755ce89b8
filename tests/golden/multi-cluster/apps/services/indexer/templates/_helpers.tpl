{{- /*
Named templates of this chart: names, labels, the restricted security context.
Seeded: written once by scaffold; yours to edit.
*/}}

{{/*
Expand the name of the chart.
*/}}
{{- define "service.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Fully qualified app name, the prefix of every object name. Argo CD uses the Application name
(<service>-<env>) as the release name; when it already contains the chart name it is used as is.
Truncated at 63 characters because some Kubernetes name fields are DNS labels.
*/}}
{{- define "service.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/*
Name of an auxiliary object: the full name plus a suffix, within 63 characters (Job names end
up in a pod label, which is limited to 63).
Usage: include "service.suffixedName" (list . "migrate")
*/}}
{{- define "service.suffixedName" -}}
{{- $root := index . 0 }}
{{- $suffix := index . 1 }}
{{- $max := sub 62 (len $suffix) | int }}
{{- printf "%s-%s" (include "service.fullname" $root | trunc $max | trimSuffix "-") $suffix }}
{{- end }}

{{/*
Chart name and version as used by the chart label.
*/}}
{{- define "service.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Common labels. app.kubernetes.io/version is the image tag actually deployed (values-<env>.yaml
pins it), not Chart.appVersion, which only records the first release.
*/}}
{{- define "service.labels" -}}
helm.sh/chart: {{ include "service.chart" . }}
{{ include "service.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | trunc 63 | trimAll "-_." | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- with .Values.environment }}
gitops-scaffold.io/environment: {{ . | quote }}
{{- end }}
{{- end }}

{{/*
Selector labels: every pod of this release (the NetworkPolicy protects all of them).
*/}}
{{- define "service.selectorLabels" -}}
app.kubernetes.io/name: {{ include "service.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/*
Selector labels of the serving pods only (Deployment, Service, PodDisruptionBudget). Hook Job
pods carry another component, so the Service never routes traffic to them.
*/}}
{{- define "service.serverSelectorLabels" -}}
{{ include "service.selectorLabels" . }}
app.kubernetes.io/component: server
{{- end }}

{{/*
Argo CD sync wave annotation. Usage: include "service.wave" "3"
*/}}
{{- define "service.wave" -}}
argocd.argoproj.io/sync-wave: {{ . | quote }}
{{- end }}

{{/*
Pod-level security context: the Pod Security Standard "restricted" profile.
*/}}
{{- define "service.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ .Values.securityContext.runAsUser }}
runAsGroup: {{ .Values.securityContext.runAsGroup }}
fsGroup: {{ .Values.securityContext.fsGroup }}
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{/*
Container-level security context: non-root, no privilege escalation, no capabilities,
read-only root filesystem (writable /tmp comes from an emptyDir), seccomp RuntimeDefault.
*/}}
{{- define "service.containerSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ .Values.securityContext.runAsUser }}
runAsGroup: {{ .Values.securityContext.runAsGroup }}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
capabilities:
  drop:
    - ALL
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{/*
Environment of the service and migration containers: the ConfigMap, plus the Secret that the
ExternalSecret writes when it is enabled.
*/}}
{{- define "service.envFrom" -}}
- configMapRef:
    name: {{ include "service.fullname" . }}
{{- if .Values.externalSecret.enabled }}
- secretRef:
    name: {{ include "service.suffixedName" (list . "secrets") }}
{{- end }}
{{- end }}

{{/*
The writable /tmp of every container (the root filesystem is read-only).
*/}}
{{- define "service.tmpVolume" -}}
- name: tmp
  emptyDir:
    sizeLimit: {{ .Values.tmpSizeLimit }}
{{- end }}

{{- define "service.tmpVolumeMount" -}}
- name: tmp
  mountPath: /tmp
{{- end }}

{{/*
The curl image of the smoke-test and alert Jobs.
*/}}
{{- define "service.curlImage" -}}
{{ printf "%s:%s" .Values.curlImage.repository .Values.curlImage.tag }}
{{- end }}

{{/*
API version of ExternalSecret: external-secrets.io/v1, which the pinned external-secrets add-on
serves (v1 arrived in 0.16.2; 0.17 stopped serving v1beta1). Argo CD passes the destination
cluster's API versions to Helm, so a cluster still on an operator older than 0.16.2 (v1beta1
only) gets v1beta1 instead. Offline (helm template without --api-versions) it is v1.
*/}}
{{- define "service.externalSecretsApiVersion" -}}
{{- if and (not (.Capabilities.APIVersions.Has "external-secrets.io/v1")) (.Capabilities.APIVersions.Has "external-secrets.io/v1beta1") -}}
external-secrets.io/v1beta1
{{- else -}}
external-secrets.io/v1
{{- end -}}
{{- end }}

{{/*
The service image: repository:tag, and @digest when image.digest pins it.
*/}}
{{- define "service.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag }}{{ with .Values.image.digest }}@{{ . }}{{ end }}
{{- end }}
