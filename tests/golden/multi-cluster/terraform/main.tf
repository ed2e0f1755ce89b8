# Optional bootstrap of Argo CD with Terraform, instead of the helm and kubectl commands in
# README.md: installs the pinned argo-cd chart with argocd/values.yaml, then applies
# bootstrap/root-app.yaml (the `platform` AppProject and the `root` Application).
# Managed by gitops-scaffold: re-rendered from scaffold.yaml; your edits are merged.
#
# Run it in two steps on a new cluster: kubernetes_manifest reads the Application and AppProject
# CRDs while planning, and they only exist once the chart is installed.
#   terraform init
#   terraform apply -target=helm_release.argocd
#   terraform apply
#
# From then on Argo CD upgrades itself from argocd/ (Application `argocd`); Terraform ignores
# later changes to the release so the two never fight over it.

locals {
  argocd_namespace     = "argocd"
  argocd_chart_version = "10.9.1"

  # The upstream chart's values: the `argo-cd:` subtree of the umbrella chart's values.
  argocd_values = yamldecode(file("${path.module}/../argocd/values.yaml"))["argo-cd"]

  # bootstrap/root-app.yaml has several YAML documents; yamldecode reads one at a time.
  # Parts that hold only comments (the file header) are skipped.
  root_app_yaml = file("${path.module}/../bootstrap/root-app.yaml")
  root_app_documents = [
    for doc in split("\n---", "\n${local.root_app_yaml}") : yamldecode(doc)
    if trimspace(replace(doc, "/(?m)^\\s*#.*$/", "")) != ""
  ]
  root_app_objects = {
    for obj in local.root_app_documents : "${obj.kind}/${obj.metadata.name}" => obj
  }
}

resource "helm_release" "argocd" {
  name             = "argocd"
  repository       = "https://argoproj.github.io/argo-helm"
  chart            = "argo-cd"
  version          = local.argocd_chart_version
  namespace        = local.argocd_namespace
  create_namespace = true
  values           = [yamlencode(local.argocd_values)]
  wait             = true
  timeout          = 900

  lifecycle {
    # Argo CD owns its install after the bootstrap (bootstrap/root/argocd.yaml).
    ignore_changes = all
  }
}

resource "kubernetes_manifest" "root_app" {
  for_each = local.root_app_objects

  manifest = each.value

  depends_on = [helm_release.argocd]
}
