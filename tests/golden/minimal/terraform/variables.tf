# Inputs of the Terraform bootstrap: which cluster Argo CD is installed on.
# Managed by gitops-scaffold: re-rendered from scaffold.yaml; your edits are merged.

variable "kubeconfig_path" {
  description = "Path of the kubeconfig that reaches the cluster Argo CD runs on."
  type        = string
  default     = "~/.kube/config"
}

variable "kubeconfig_context" {
  description = "Context in that kubeconfig; null uses its current context."
  type        = string
  default     = null
  nullable    = true
}
