"""The CEL rules of the vendored upstream CRDs, evaluated on what a repo writes (tests/cel_checks.py).

Every custom resource check (tests/crd_checks.crd_errors) runs the CRD's CEL rules after its
schema; these tests prove that the evaluation is real: every rule is one we can evaluate, the
rules reach the generated objects, and an object that breaks a rule is refused.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from tests.cel_checks import (
    FUNCTIONS,
    all_rules,
    cel_errors,
    evaluate,
    functions_called,
    is_transition_rule,
    rules_at,
    with_defaults,
)
from tests.crd_checks import CRDS, crd_errors, crd_schema
from tests.test_platform import EXAMPLE_ANSWERS, TWO_EKS, docs
from tests.test_platform_config import _custom_resources, _render

# Rules of the vendored CRDs per kind: (all, transition rules skipped on create). A CRD bump
# changes these on purpose; a rule that cannot be evaluated has no place to hide.
RULE_COUNTS = {
    "NodePool": (20, 3),
    "EC2NodeClass": (44, 0),
    "ClusterIssuer": (1, 0),
    "ExternalSecret": (0, 0),
    "ClusterSecretStore": (15, 0),
    "ImageUpdater": (4, 0),
}


def _schema(api_version: str, kind: str) -> dict[str, Any]:
    return crd_schema(CRDS[(api_version, kind)], kind, api_version.rsplit("/", 1)[1])[1]


@pytest.mark.parametrize(("api_version", "kind"), sorted(CRDS))
def test_every_rule_of_the_vendored_crds_can_be_evaluated(api_version: str, kind: str) -> None:
    rules = [rule for _, rule in all_rules(_schema(api_version, kind))]
    transitions = [rule for rule in rules if is_transition_rule(rule)]
    assert (len(rules), len(transitions)) == RULE_COUNTS[kind]
    for rule in rules:
        # Only functions cel-python has or tests/cel_checks.py adds (no allow-list of skipped rules).
        assert functions_called(rule) <= FUNCTIONS, rule


def _example_resources() -> list[tuple[str, dict[str, Any]]]:
    answers = copy.deepcopy(EXAMPLE_ANSWERS)
    acme = {"email": "platform@acme.io", "hosted_zone_id": "Z0123456789ABC"}
    answers["tls"] = {"issuer": "acme", "acme": acme}
    _, tree = _render(answers)
    return _custom_resources(tree)


def test_the_rules_reach_every_generated_custom_resource() -> None:
    evaluated: dict[str, int] = {}
    for _, obj in _example_resources():
        schema = _schema(obj["apiVersion"], obj["kind"])
        rules = [v["rule"] for _, v, _ in rules_at(schema, with_defaults(schema, obj))]
        evaluated[obj["kind"]] = evaluated.get(obj["kind"], 0) + len(
            [r for r in rules if not is_transition_rule(r)]
        )
        assert cel_errors(schema, obj) == []
    # The Karpenter objects of the prod cluster and the example's image updater are checked by
    # dozens of rules each (spec, selector terms, tags, requirements, budgets, ...).
    assert evaluated["NodePool"] >= 30 and evaluated["EC2NodeClass"] >= 20 and evaluated["ImageUpdater"] >= 4


def _generated(kind: str) -> dict[str, Any]:
    _, tree = _render(copy.deepcopy(TWO_EKS))
    name = {"NodePool": "nodepool", "EC2NodeClass": "ec2nodeclass"}[kind]
    (obj,) = docs(tree[f"apps/platform/karpenter/nodes/eu/{name}.yaml"])
    assert crd_errors(obj) == []
    return obj


def test_an_ec2nodeclass_without_role_or_instance_profile_is_refused() -> None:
    node_class = _generated("EC2NodeClass")
    del node_class["spec"]["role"]
    (error,) = crd_errors(node_class)
    assert error.startswith("EC2NodeClass default: /spec: must specify exactly one of ['role', ")


def test_a_windows_alias_must_follow_latest() -> None:
    node_class = _generated("EC2NodeClass")
    node_class["spec"]["amiSelectorTerms"] = [{"alias": "windows2022@v20260801"}]
    node_class["spec"]["amiFamily"] = "Windows2022"
    errors = crd_errors(node_class)
    assert any("/spec/amiSelectorTerms/0/alias" in e and "latest" in e for e in errors)


@pytest.mark.parametrize(
    ("change", "where"),
    [
        # An In requirement without values selects no instance type.
        (lambda s: s["template"]["spec"]["requirements"][0].update(values=[]), "spec/requirements"),
        # A scheduled budget needs its duration.
        (lambda s: s["disruption"]["budgets"][0].update(schedule="0 9 * * mon-fri"), "disruption/budgets"),
        # Karpenter sets the hostname label itself.
        (
            lambda s: s["template"]["spec"]["requirements"].append(
                {"key": "kubernetes.io/hostname", "operator": "Exists"}
            ),
            "kubernetes.io/hostname\" is restricted",
        ),
        # Labels in karpenter.sh's domain are Karpenter's own.
        (lambda s: s["template"].setdefault("metadata", {}).update(labels={"karpenter.sh/x": "y"}), "labels"),
    ],
    ids=["empty-in", "budget-schedule", "hostname-key", "karpenter-label"],
)
def test_a_nodepool_that_breaks_a_rule_is_refused(change: Any, where: str) -> None:
    pool = _generated("NodePool")
    change(pool["spec"])
    errors = crd_errors(pool)
    assert errors and all(where in e for e in errors), errors


def test_transition_rules_are_skipped_on_create() -> None:
    """NodePool's nodeClassRef group/kind are immutable (oldSelf): nothing to compare on a create."""
    schema = _schema("karpenter.sh/v1", "NodePool")
    pool = _generated("NodePool")
    paths = [p for p, v, _ in rules_at(schema, pool) if is_transition_rule(v["rule"])]
    assert "/spec/template/spec/nodeClassRef" in paths
    assert cel_errors(schema, pool) == []


def test_defaults_are_applied_before_the_rules() -> None:
    """consolidateAfter and budgets have CRD defaults; the API server fills them in first."""
    schema = _schema("karpenter.sh/v1", "NodePool")
    pool = _generated("NodePool")
    del pool["spec"]["disruption"]["budgets"]
    defaulted = with_defaults(schema, pool)
    assert defaulted["spec"]["disruption"]["budgets"] == [{"nodes": "10%"}]
    assert cel_errors(schema, pool) == []


@pytest.mark.parametrize(
    ("rule", "value", "expected"),
    [
        # Kubernetes' regex library: the first match, or the empty string.
        ("self.find('^([^/]+)') == 'karpenter.sh'", "karpenter.sh/capacity-type", True),
        ("self.find('[0-9]+') == ''", "no digits", True),
        # cel-go's strings extension, Go's strings.SplitN.
        ("self.split('@') == ['al2023', 'latest']", "al2023@latest", True),
        ("self.split('@', 2) == ['a', 'b@c']", "a@b@c", True),
        ("self.split('@', 0) == []", "a@b", True),
        ("self.split('') == ['a', 'b']", "ab", True),
    ],
)
def test_kubernetes_string_functions(rule: str, value: str, expected: bool) -> None:
    assert bool(evaluate(rule, value)) is expected


def test_a_rule_that_cannot_be_evaluated_rejects() -> None:
    """The API server refuses an object when a rule errors (here: no such key)."""
    schema = {"type": "object", "x-kubernetes-validations": [{"rule": "self.missing == 'x'"}]}
    (error,) = cel_errors(schema, {"present": 1})
    assert "cannot evaluate" in error
