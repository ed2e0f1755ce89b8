"""The rule catalog: every rule has an id, a title, an explanation and a fix."""

from __future__ import annotations

from gitops_scaffold.cli import app
from gitops_scaffold.validate import RULES
from gitops_scaffold.validate.findings import Rule
from gitops_scaffold.validate.rules import lint_rule_ids
from tests.validate.helpers import (
    runner,
)

# --- the catalog ------------------------------------------------------------------------------


def test_every_rule_has_an_id_title_explanation_and_fix() -> None:
    for rule_id, rule in RULES.items():
        assert isinstance(rule, Rule) and rule.id == rule_id
        assert rule_id[:2] == "GS" and len(rule_id) == 5
        assert rule.title and rule.fix and len(rule.explanation) > 120, rule_id
        assert rule.name == rule.name.lower() and " " not in rule.name
    lint = lint_rule_ids()
    assert lint == sorted(lint), "one check per lint rule, in id order (gaps allowed: GS030)"
    assert set(lint) == {rule_id for rule_id in RULES if rule_id < "GS100"}


def test_rules_flag_prints_every_rule() -> None:
    result = runner.invoke(app, ["validate", "--rules"])
    assert result.exit_code == 0
    for rule_id, rule in RULES.items():
        assert f"{rule_id} {rule.name}" in result.output
