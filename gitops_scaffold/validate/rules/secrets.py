"""GS003: secret values committed to Git."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

from gitops_scaffold.validate.argo.loader import Path_
from gitops_scaffold.validate.argo.objects import App, Resource
from gitops_scaffold.validate.catalog import SECRET_IN_GIT
from gitops_scaffold.validate.findings import Finding
from gitops_scaffold.validate.rules.base import Context, rule, walk

# --- GS003 secret values in Git --------------------------------------------------------------

_CREDENTIAL_KEY = re.compile(
    r"(password|passwd|passphrase|secret|token|apikey|privatekey|accesskey|clientsecret"
    r"|webhookurl|bearertoken|keydata|sshprivatekey)$"
)
_NOT_A_VALUE = re.compile(r"^(\$|\{\{|<|ENC\[|ref\+|vault:|secretref|\*\*\*)", re.IGNORECASE)
_ARGO_SECRET_KEYS = frozenset(
    {
        "password",
        "sshPrivateKey",
        "githubAppPrivateKey",
        "tlsClientCertKey",
        "bearerToken",
        "gcpServiceAccountKey",
    }
)
_CONFIG_CREDENTIALS = re.compile(r'"(bearerToken|password|keyData|secretAccessKey)"\s*:\s*"[^"{$]')


def _credential_key(key: str) -> bool:
    norm = key.lower().replace("-", "").replace("_", "")
    return bool(_CREDENTIAL_KEY.search(norm)) and not norm.startswith(("existing", "use", "create"))


def _literal_secret(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip()) and not _NOT_A_VALUE.match(value.strip())


def _secret_findings(res: Resource) -> Iterator[Finding]:
    labels = res.metadata.get("labels") if isinstance(res.metadata.get("labels"), dict) else {}
    assert isinstance(labels, dict)
    argo_type = labels.get("argocd.argoproj.io/secret-type")
    for field_name in ("data", "stringData"):
        data = res.data.get(field_name)
        if not isinstance(data, dict):
            continue
        for raw_key, value in data.items():
            if not value:
                continue
            key = str(raw_key)
            if argo_type:
                leaked = key in _ARGO_SECRET_KEYS or (
                    key == "config" and isinstance(value, str) and _CONFIG_CREDENTIALS.search(value)
                )
                if not leaked:
                    continue
            yield SECRET_IN_GIT.finding(
                res.file,
                res.locate((field_name, key)),
                f"Secret {res.name!r} holds {field_name}.{key} in Git",
            )


def _value_secrets(
    doc_file: str, data: Any, locate: Callable[[Path_], int], where: str = ""
) -> Iterator[Finding]:
    for path, value in walk(data):
        if path and isinstance(path[-1], str) and _credential_key(path[-1]) and _literal_secret(value):
            yield SECRET_IN_GIT.finding(
                doc_file,
                locate(path),
                f"{where}{'.'.join(str(p) for p in path)} holds a literal credential",
            )


def _locator(app: App, prefix: Path_) -> Callable[[Path_], int]:
    return lambda path: app.locate((*prefix, *path))


@rule(SECRET_IN_GIT)
def secrets_in_git(ctx: Context) -> Iterator[Finding]:
    for res in ctx.resources:
        if res.kind == "Secret" and res.group == "":
            yield from _secret_findings(res)
    for doc in ctx.values_documents():
        yield from _value_secrets(doc.file, doc.data, doc.line_of)
    for app in ctx.apps:
        for key, source in app.sources():
            helm = source.get("helm") if isinstance(source.get("helm"), dict) else None
            if not helm:
                continue
            assert isinstance(helm, dict)
            if isinstance(helm.get("valuesObject"), dict):
                yield from _value_secrets(
                    app.file,
                    helm["valuesObject"],
                    _locator(app, (*key, "helm", "valuesObject")),
                    "helm.valuesObject.",
                )
            for index, parameter in enumerate(helm.get("parameters") or []):
                if (
                    isinstance(parameter, dict)
                    and _credential_key(str(parameter.get("name", "")).split(".")[-1])
                    and _literal_secret(parameter.get("value"))
                ):
                    yield SECRET_IN_GIT.finding(
                        app.file,
                        app.locate((*key, "helm", "parameters", index)),
                        f"{app.name}: helm parameter {parameter.get('name')} holds a literal credential",
                        app.context,
                    )
