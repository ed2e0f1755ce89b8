# What the Terraform bootstrap installed.
# Managed by gitops-scaffold: re-rendered from scaffold.yaml; your edits are merged.

output "argocd_namespace" {
  description = "Namespace Argo CD runs in."
  value       = helm_release.argocd.namespace
}

output "argocd_chart_version" {
  description = "Version of the argo-cd chart installed by the bootstrap."
  value       = helm_release.argocd.version
}

output "root_objects" {
  description = "Objects applied from bootstrap/root-app.yaml (kind/name)."
  value       = keys(kubernetes_manifest.root_app)
}

output "argocd_url" {
  description = "Where to reach the Argo CD UI."
  value       = "kubectl -n argocd port-forward svc/argocd-server 8080:443, then https://localhost:8080"
}
