"""`scaffold upgrade` and `scaffold status`: new templates and pins, edits kept, git agrees."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import yaml

from gitops_scaffold import migrations
from gitops_scaffold.answers import Document
from gitops_scaffold.commands import grow
from gitops_scaffold.commands import status as status_command
from gitops_scaffold.commands import upgrade as upgrade_command
from gitops_scaffold.errors import AnswersError, UserInputError
from gitops_scaffold.merge import YOURS_MARKER
from gitops_scaffold.plan import Action
from gitops_scaffold.state import decode_record, encode_record, record_path
from tests.factory import EXAMPLE, SCHEMAS, init_repo, snapshot

OLD_LINE = "# written by an older gitops-scaffold\n"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return init_repo(tmp_path, EXAMPLE.read_text())


def age(repo: Path, key: str, path: str, older: str) -> None:
    """Make ``path`` look as an older template wrote it: on disk and in the record."""
    record_file = repo / record_path(key)
    files = decode_record(record_file.read_text())
    files[path] = older
    record_file.write_text(encode_record(files))
    (repo / path).write_text(older)
    subprocess.run(["git", "commit", "-qam", "older templates"], cwd=repo, check=True)


def git_changed(repo: Path) -> set[str]:
    out = subprocess.run(
        ["git", "diff", "--name-only"], cwd=repo, capture_output=True, text=True, check=True
    ).stdout
    return set(out.split())


def test_a_fresh_repo_is_up_to_date(repo: Path) -> None:
    report = status_command.status(repo)
    assert (report.exit_code, report.modified, report.deleted, report.behind) == (0, [], [], [])
    assert not report.answers_changed and not report.templates_changed


def test_status_agrees_with_git_diff_on_what_the_user_changed(repo: Path) -> None:
    (repo / "apps/services/orders/values-prod.yaml").write_text("replicaCount: 9\n")
    (repo / "apps/services/payments/values.yaml").unlink()
    readme = repo / "README.md"
    readme.write_text(readme.read_text() + "\nlocal notes\n")
    report = status_command.status(repo)
    assert set(report.modified) | set(report.deleted) == git_changed(repo)
    assert report.deleted == ["apps/services/payments/values.yaml"]
    assert report.exit_code == 0  # edits are yours, not something to upgrade


def test_status_sees_answers_edited_by_hand(repo: Path) -> None:
    answers = repo / "scaffold.yaml"
    answers.write_text(answers.read_text().replace("tag: v2.0.1", "tag: v2.0.2"))
    report = status_command.status(repo)
    assert report.answers_changed
    assert "apps/services/payments/values.yaml" in report.behind
    assert report.exit_code == 1


def test_upgrade_applies_template_changes_and_keeps_edits(repo: Path) -> None:
    path = "bootstrap/root/argocd.yaml"
    current = (repo / path).read_text()
    age(repo, "repo", path, OLD_LINE + current)
    readme = repo / "README.md"
    readme.write_text(readme.read_text() + "\n## Our notes\n")
    assert status_command.status(repo).behind == [path]
    result = upgrade_command.upgrade(repo)
    assert result.exit_code == 0
    assert (repo / path).read_text() == current  # the new template's output
    assert readme.read_text().endswith("\n## Our notes\n")  # the edit stays
    assert status_command.status(repo).behind == []


def test_upgrade_merges_an_edit_into_a_changed_template(repo: Path) -> None:
    path = "bootstrap/root/argocd.yaml"
    current = (repo / path).read_text()
    age(repo, "repo", path, OLD_LINE + current)
    (repo / path).write_text(OLD_LINE + current + "# reviewed\n")
    result = upgrade_command.upgrade(repo)
    assert {c.path: c.action for c in result.plan.changes}[path] is Action.MERGE
    assert (repo / path).read_text() == current + "# reviewed\n"


def test_upgrade_reports_a_conflict_and_exits_1(repo: Path) -> None:
    path = "bootstrap/root/argocd.yaml"
    current = (repo / path).read_text()
    first, rest = current.split("\n", 1)
    age(repo, "repo", path, "# old header\n" + rest)
    (repo / path).write_text("# my header\n" + rest)
    result = upgrade_command.upgrade(repo)
    assert result.exit_code == 1
    assert [c.path for c in result.plan.conflicts] == [path]
    assert YOURS_MARKER in (repo / path).read_text()
    assert status_command.status(repo).conflicted == [path]
    del first


def test_upgrade_dry_run_shows_the_diff_and_writes_nothing(repo: Path) -> None:
    path = "bootstrap/root/argocd.yaml"
    age(repo, "repo", path, OLD_LINE + (repo / path).read_text())
    before = snapshot(repo)
    result = upgrade_command.upgrade(repo, dry_run=True)
    assert snapshot(repo) == before
    assert f"-{OLD_LINE}" in result.diff


def test_bump_the_argocd_chart_pin(repo: Path) -> None:
    answers = repo / "scaffold.yaml"
    answers.write_text("# keep me\n" + answers.read_text())
    result = upgrade_command.upgrade(repo, argocd_chart="10.2.0")
    assert result.exit_code == 0
    text = answers.read_text()
    assert text.startswith("# keep me\n")
    assert yaml.safe_load(text)["argocd"]["chart_version"] == "10.2.0"
    chart = yaml.safe_load((repo / "argocd/Chart.yaml").read_text())
    assert [d["version"] for d in chart["dependencies"] if d["name"] == "argo-cd"] == ["10.2.0"]


def test_bump_an_add_on_whose_defaults_were_never_written(tmp_path: Path) -> None:
    from tests.factory import minimal

    repo = init_repo(tmp_path, minimal())
    upgrade_command.upgrade(repo, addon_charts={"cert-manager": "v1.99.0"})
    platform = yaml.safe_load((repo / "scaffold.yaml").read_text())["platform"]
    assert [a["name"] for a in platform] == ["ingress-nginx", "cert-manager", "external-secrets", "karpenter"]
    assert platform[1]["version"] == "v1.99.0"
    assert "v1.99.0" in (repo / "apps/platform/cert-manager/application.yaml").read_text()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"argocd_chart": "ten"}, "--argocd-chart: 'ten' is not a chart version"),
        ({"addon_charts": {"nope": "1.0.0"}}, "--addon-chart: no add-on 'nope'"),
    ],
)
def test_bad_pins_exit_2_and_change_nothing(repo: Path, kwargs: dict, message: str) -> None:  # type: ignore[type-arg]
    before = snapshot(repo)
    with pytest.raises(UserInputError, match=message):
        upgrade_command.upgrade(repo, **kwargs)
    assert snapshot(repo) == before


def test_an_older_answers_format_is_migrated_with_a_summary(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def rename_autosync(doc: Document) -> str:
        return doc.text.replace("version: 0", "version: 1").replace("autosync:", "auto_sync:")

    monkeypatch.setitem(
        migrations.MIGRATIONS,
        0,
        migrations.Migration(0, "environments' autosync is now auto_sync", rename_autosync),
    )
    answers = repo / "scaffold.yaml"
    answers.write_text(
        answers.read_text().replace("version: 1", "version: 0").replace("auto_sync:", "autosync:")
    )
    with pytest.raises(UserInputError, match=r"answers format 0; run `scaffold upgrade`"):
        grow.add_team(repo, "search", ["search-team"])
    result = upgrade_command.upgrade(repo)
    assert result.notes == ["answers format 0 -> 1: environments' autosync is now auto_sync"]
    text = answers.read_text()
    assert "version: 1" in text and "autosync" not in text


def test_a_newer_answers_format_is_refused(repo: Path) -> None:
    answers = repo / "scaffold.yaml"
    answers.write_text(answers.read_text().replace("version: 1", "version: 7"))
    before = snapshot(repo)
    with pytest.raises(UserInputError, match="answers format 7 is newer than this gitops-scaffold"):
        upgrade_command.upgrade(repo)
    assert snapshot(repo) == before


def test_status_json_through_the_cli(repo: Path) -> None:
    from typer.testing import CliRunner

    from gitops_scaffold.cli import app

    (repo / "apps/services/orders/values.yaml").write_text("x: 1\n")
    result = CliRunner().invoke(app, ["status", "-C", str(repo), "-o", "json"])
    payload = json.loads(result.output)
    assert payload["modified"] == ["apps/services/orders/values.yaml"]
    assert payload["exit_code"] == 0 == result.exit_code


# --- a repo written by an earlier gitops-scaffold (tests/resources/repo-0.1.0-dev) ----------

OLD_REPO = Path(__file__).parents[1] / "resources" / "repo-0.1.0-dev"


@pytest.fixture
def old_repo(tmp_path: Path) -> Path:
    import shutil

    repo = tmp_path / "old"
    shutil.copytree(OLD_REPO, repo)
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=repo, check=True)
    subprocess.run(["git", "add", "-A"], cwd=repo, check=True)
    subprocess.run(["git", "commit", "-qm", "written by 0.1.0-dev"], cwd=repo, check=True)
    return repo


def argocd_objects(repo: Path) -> list[tuple[str, dict]]:  # type: ignore[type-arg]
    found = []
    for path in sorted(repo.rglob("*.yaml")):
        rel = path.relative_to(repo).as_posix()
        if rel.startswith((".scaffold", ".github", "apps/services/")) or "/templates/" in rel:
            continue
        for doc in yaml.safe_load_all(path.read_text()):
            if isinstance(doc, dict) and str(doc.get("apiVersion", "")).startswith("argoproj.io/"):
                found.append((rel, doc))
    return found


def test_an_old_repo_is_behind_and_upgrades_with_every_edit_kept(old_repo: Path) -> None:
    import jsonschema

    answers = old_repo / "scaffold.yaml"
    # 0.1.0 let orders-dev and orders-staging serve one host and path on one cluster (ingress-nginx
    # refuses the second Ingress); the model now says so, and the user gives each its own host.
    with pytest.raises(AnswersError, match=r"are served twice.*ingress\.hosts"):
        status_command.status(old_repo)
    answers.write_text(
        answers.read_text().replace(
            "      path: /api/v1\n",
            "      path: /api/v1\n"
            "      hosts: {dev: orders-dev.internal.acme.com, staging: orders-stg.internal.acme.com}\n",
        )
    )
    report = status_command.status(old_repo)
    assert report.templates_changed and report.exit_code == 1
    # Hand edits, the way people make them.
    answers.write_text(answers.read_text().replace("version: 1\n", "# reviewed by platform\nversion: 1\n"))
    values = old_repo / "apps/services/orders/values-prod.yaml"
    values.write_text(values.read_text() + "# prod: pinned after incident 42\n")
    deployment = old_repo / "apps/services/payments/templates/deployment.yaml"
    deployment.write_text(deployment.read_text() + "# extra line added by hand\n")
    (old_repo / "apps/services/payments/templates/pdb-override.yaml").write_text("# mine\n")
    (old_repo / "apps/services/orders/templates/hpa.yaml").unlink()
    mine = (old_repo / "apps/services/payments/templates/pdb-override.yaml").read_bytes()

    result = upgrade_command.upgrade(old_repo)

    assert [c.path for c in result.plan.conflicts] == []
    assert result.exit_code == 0
    assert values.read_text().endswith("# prod: pinned after incident 42\n")
    assert deployment.read_text().endswith("# extra line added by hand\n")
    assert (old_repo / "apps/services/payments/templates/pdb-override.yaml").read_bytes() == mine
    assert not (old_repo / "apps/services/orders/templates/hpa.yaml").exists()
    assert answers.read_text().startswith(
        Path(OLD_REPO / "scaffold.yaml").read_text().split("version: 1\n")[0] + "# reviewed by platform\n"
    )
    created = {c.path for c in result.plan.changes if c.action is Action.CREATE}
    assert "bootstrap/root/service-apps.yaml" in created  # new in the later templates
    after = status_command.status(old_repo)
    assert after.exit_code == 0 and after.behind == [] and not after.templates_changed
    assert set(after.modified) | set(after.deleted) == {
        "apps/services/orders/values-prod.yaml",
        "apps/services/payments/templates/deployment.yaml",
        "apps/services/orders/templates/hpa.yaml",
    }
    schemas = {
        kind: json.loads((SCHEMAS / f"{kind.lower()}.json").read_text())
        for kind in ("Application", "ApplicationSet", "AppProject")
    }
    objects = argocd_objects(old_repo)
    assert {doc["kind"] for _, doc in objects} >= {"Application", "ApplicationSet", "AppProject"}
    for path, doc in objects:
        jsonschema.validate(doc, schemas[doc["kind"]]), path


def test_bumping_a_pin_twice_changes_nothing_the_second_time(tmp_path: Path) -> None:
    from tests.factory import minimal

    repo = init_repo(tmp_path, minimal())
    upgrade_command.upgrade(repo, argocd_chart="10.9.9")
    before = snapshot(repo)
    result = upgrade_command.upgrade(repo, argocd_chart="10.9.9")
    assert snapshot(repo) == before
    assert [c for c in result.plan.changes if c.action is not Action.UNCHANGED] == []


def test_a_change_that_breaks_the_answers_is_said_as_such(repo: Path) -> None:
    before = snapshot(repo)
    with pytest.raises(UserInputError) as caught:
        grow.add_env(repo, "qa", "dev", namespace_suffix="-dev", after="dev")
    assert "this change would make" in caught.value.message
    assert ":1" not in caught.value.message.split("invalid: ")[1]  # no line of a file not on disk
    assert snapshot(repo) == before


def test_image_updater_upgrade_crosses_the_imageupdater_shape_change(tmp_path: Path) -> None:
    """A repo on argocd-image-updater 1.0.x (ImageUpdater spec.namespace) moves to 1.2.4, edits kept."""
    from tests.crd_checks import crd_errors
    from tests.factory import EXAMPLE, init_repo

    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    data["platform"] = [*data.get("platform", []), {"name": "argocd-image-updater", "version": "1.0.1"}]
    repo = init_repo(tmp_path, data)
    updaters = sorted((repo / "image-updates").glob("*.yaml"))
    assert updaters
    for path in updaters:
        (doc,) = [d for d in yaml.safe_load_all(path.read_text()) if d]
        assert doc["spec"]["namespace"] == "argocd"  # what 1.0.x requires
    edited = updaters[0]
    edited.write_text(edited.read_text().replace("  labels:\n", "  labels:\n    owner: platform-team\n", 1))

    result = upgrade_command.upgrade(repo, addon_charts={"argocd-image-updater": "1.2.4"})

    assert result.exit_code == 0 and result.plan.conflicts == []
    for path in updaters:
        (doc,) = [d for d in yaml.safe_load_all(path.read_text()) if d]
        assert "namespace" not in doc["spec"]
        assert crd_errors(doc) == []  # the 1.2.4 chart's CRD
    (doc,) = [d for d in yaml.safe_load_all(edited.read_text()) if d]
    assert doc["metadata"]["labels"]["owner"] == "platform-team"
    app = (repo / "apps/platform/argocd-image-updater/application.yaml").read_text()
    assert 'targetRevision: "1.2.4"' in app


def test_addon_chart_pins_an_image_updater_that_is_not_listed(tmp_path: Path) -> None:
    from tests.factory import EXAMPLE, init_repo

    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    assert "argocd-image-updater" not in [a["name"] for a in data.get("platform", [])]
    repo = init_repo(tmp_path, data)
    before = (repo / "scaffold.yaml").read_text()
    result = upgrade_command.upgrade(repo, addon_charts={"argocd-image-updater": "1.2.4"})
    assert result.exit_code == 0
    after = yaml.safe_load((repo / "scaffold.yaml").read_text())
    assert {"name": "argocd-image-updater", "version": "1.2.4"} in after["platform"]
    # Only the new item was added; everything else is byte for byte what it was.
    assert set(before.splitlines()) <= set((repo / "scaffold.yaml").read_text().splitlines())


OLD_PLATFORM = """platform:
  - {name: ingress-nginx}
  - {name: cert-manager}
  - {name: external-secrets}
  - {name: karpenter}
"""
DEV_ON_EKS = """    server: https://kubernetes.default.svc
    eks:
      cluster_name: dev-eks
      role_arn: "arn:aws:iam::123456789012:role/argocd-manager"
"""


@pytest.mark.parametrize("all_eks", [False, True], ids=["as-written", "default-now-alb"])
def test_upgrading_a_previous_release_repo_keeps_ingress_nginx(old_repo: Path, all_eks: bool) -> None:
    """0.1.0 had no ingress.controller and ran ingress-nginx; upgrade writes that choice down.

    default-now-alb: the user has since made every cluster EKS and dropped the platform: list
    (it named the defaults), so the new default would be the AWS Load Balancer Controller; the
    repository still runs ingress-nginx, and upgrade must not swap it behind every ingress.
    """
    answers = old_repo / "scaffold.yaml"
    # The host clash 0.1.0 allowed is resolved first, as in the test above.
    text = answers.read_text().replace(
        "      path: /api/v1\n",
        "      path: /api/v1\n"
        "      hosts: {dev: orders-dev.internal.acme.com, staging: orders-stg.internal.acme.com}\n",
    )
    if all_eks:
        text = text.replace(OLD_PLATFORM, "").replace(
            "    server: https://kubernetes.default.svc\n", DEV_ON_EKS
        )
    text = text.replace("version: 1\n", "# reviewed by platform\nversion: 1\n")
    answers.write_text(text)
    nginx_values = old_repo / "apps/platform/ingress-nginx/values.yaml"
    nginx_values.write_text(nginx_values.read_text() + "# tuned after the load test\n")
    values = old_repo / "apps/services/orders/values-prod.yaml"
    values.write_text(values.read_text() + "# prod: pinned after incident 42\n")

    result = upgrade_command.upgrade(old_repo)

    assert result.exit_code == 0 and result.plan.conflicts == []
    after = answers.read_text()
    # Every byte the user wrote is kept; only the recorded controller is added.
    assert after.startswith(text)
    assert yaml.safe_load(after[len(text) :]) == {"ingress": {"controller": "ingress-nginx"}}
    (note,) = [n for n in result.notes if "ingress.controller" in n]
    assert "what this repository runs" in note
    assert ("the default here would be aws-load-balancer-controller" in note) is all_eks
    assert (old_repo / "apps/platform/ingress-nginx/application.yaml").is_file()
    assert nginx_values.read_text().endswith("# tuned after the load test\n")
    assert values.read_text().endswith("# prod: pinned after incident 42\n")
    assert not (old_repo / "apps/platform/aws-load-balancer-controller").exists()
    service_values = yaml.safe_load((old_repo / "apps/services/orders/values.yaml").read_text())
    assert service_values["ingress"]["className"] == "nginx"
    # A second command changes nothing in scaffold.yaml: the choice is recorded.
    again = upgrade_command.upgrade(old_repo)
    assert answers.read_text() == after and not [n for n in again.notes if "ingress.controller" in n]
