"""Names shared by the write half and the check half; this module imports nothing.

File names of a scaffolded repository, and the Argo CD constants both halves must agree on.
"""

# --- a scaffolded repository ----------------------------------------------------------------
ANSWERS_FILE = "scaffold.yaml"
STATE_DIR = ".scaffold"  # the scaffold's record of what it last wrote
RECORDS_DIR = f"{STATE_DIR}/state"
META_FILE = f"{STATE_DIR}/meta.json"
JOURNAL = "journal.json"  # the transaction journal, in the work directory of apply.py
ENV_LABEL = "gitops-scaffold.io/environment"

# --- Argo CD --------------------------------------------------------------------------------
IN_CLUSTER_SERVER = "https://kubernetes.default.svc"  # the cluster Argo CD runs in
IN_CLUSTER_NAME = "in-cluster"
DEFAULT_ARGOCD_NAMESPACE = "argocd"
CLUSTER_SECRET_LABEL = "argocd.argoproj.io/secret-type"
APPLICATION_API_VERSION = "argoproj.io/v1alpha1"
RESOURCES_FINALIZER = "resources-finalizer.argocd.argoproj.io"
