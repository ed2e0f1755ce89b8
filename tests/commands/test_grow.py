"""Growing a repo people have edited: edits kept or reported, all or nothing, idempotent."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from gitops_scaffold import apply
from gitops_scaffold.commands import grow
from gitops_scaffold.commands import init as init_command
from gitops_scaffold.commands import status as status_command
from gitops_scaffold.errors import ConflictError, UserInputError
from gitops_scaffold.merge import YOURS_MARKER
from gitops_scaffold.plan import Action
from gitops_scaffold.result import Result
from tests.factory import init_repo, minimal, snapshot


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return init_repo(tmp_path)


def actions(result: Result) -> dict[str, Action]:
    return {c.path: c.action for c in result.plan.changes if c.action is not Action.UNCHANGED}


def git_status(repo: Path) -> str:
    return subprocess.run(
        ["git", "status", "--porcelain"], cwd=repo, capture_output=True, text=True, check=True
    ).stdout


def test_init_writes_answers_record_and_a_git_repo(repo: Path) -> None:
    assert (repo / "scaffold.yaml").is_file()
    assert (repo / ".scaffold" / "meta.json").is_file()
    assert (repo / ".scaffold" / "state" / "repo.json").is_file()
    assert (repo / "apps" / "services" / "shop" / "values-dev.yaml").is_file()
    assert git_status(repo) == ""  # committed, nothing left over (no staging in the work tree)


def test_init_refuses_a_scaffolded_destination(repo: Path, tmp_path: Path) -> None:
    answers = tmp_path / "repo-answers.yaml"
    before = snapshot(repo)
    with pytest.raises(UserInputError, match="already holds a scaffolded repository; grow it with"):
        init_command.init(repo, answers)
    assert snapshot(repo) == before


def test_init_dry_run_writes_nothing(tmp_path: Path) -> None:
    answers = tmp_path / "a.yaml"
    answers.write_text(yaml.safe_dump(minimal()))
    result = init_command.init(tmp_path / "new", answers, dry_run=True)
    assert not (tmp_path / "new").exists()
    assert "+++ b/bootstrap/root-app.yaml" in result.diff or "+++ b/scaffold.yaml" in result.diff
    assert all(c.action is Action.CREATE for c in result.plan.changes)


def test_add_service_creates_its_chart_and_a_values_file_per_environment(repo: Path) -> None:
    result = grow.add_service(repo, "cart", "web", autoscale="2:6")
    created = {p for p, a in actions(result).items() if a is Action.CREATE}
    assert {
        "apps/services/cart/values-dev.yaml",
        "apps/services/cart/values-prod.yaml",
        "apps/services/cart/Chart.yaml",
        "apps/services/cart/values.yaml",
    } <= created
    answers = yaml.safe_load((repo / "scaffold.yaml").read_text())
    assert answers["services"][-1] == {
        "name": "cart",
        "team": "web",
        "image": "ghcr.io/acme/cart",
        "tag": "0.1.0",
        "port": 8080,
        "health_path": "/health",
        "autoscaling": {"min": 2, "max": 6},
    }
    assert result.exit_code == 0


def test_user_edits_survive_add_service_byte_for_byte(repo: Path) -> None:
    values = repo / "apps/services/shop/values-dev.yaml"
    values.write_text(values.read_text() + "# tuned by hand\nextraEnv: {LOG_LEVEL: debug}\n")
    answers = repo / "scaffold.yaml"
    answers.write_text("# our platform, reviewed weekly\n" + answers.read_text())
    edited_values, edited_answers = values.read_bytes(), answers.read_text()
    grow.add_service(repo, "cart", "web")
    assert values.read_bytes() == edited_values
    # Every line kept, in order; the lines added are the new service's, after the last service
    # (and before the ingress controller init recorded at the end).
    import difflib

    diff = list(difflib.ndiff(edited_answers.splitlines(), answers.read_text().splitlines()))
    assert [line for line in diff if line.startswith("- ")] == []
    added = [line[2:] for line in diff if line.startswith("+ ")]
    assert added[0] == "- name: cart" and yaml.safe_load("\n".join(added))[0]["team"] == "web"
    after = answers.read_text().split("\n".join(added), 1)[1]
    assert after.lstrip("\n").startswith("# ingress-nginx, recorded by scaffold")


def test_edit_and_template_change_merge_cleanly(repo: Path) -> None:
    # A new team re-renders Argo CD's values (its RBAC); a hand edit elsewhere must merge in.
    values = repo / "argocd/values.yaml"
    values.write_text(values.read_text() + "# reviewed by the platform team\n")
    result = grow.add_team(repo, "search", ["search-team"])
    assert actions(result)["argocd/values.yaml"] is Action.MERGE
    text = values.read_text()
    assert text.endswith("# reviewed by the platform team\n")
    assert "search-team" in text
    assert result.exit_code == 0


def test_conflicting_edit_leaves_markers_in_that_file_only_and_exits_1(repo: Path) -> None:
    answers = repo / "scaffold.yaml"
    values = repo / "apps/services/shop/values.yaml"
    original = values.read_text()
    assert "v1.0.0" in original
    values.write_text(original.replace("v1.0.0", "v1.0.1-hotfix"))
    answers.write_text(answers.read_text().replace("tag: v1.0.0", "tag: v2.0.0"))
    result = grow.render_repo(repo)
    assert result.exit_code == 1
    assert [c.path for c in result.plan.conflicts] == ["apps/services/shop/values.yaml"]
    text = values.read_text()
    assert YOURS_MARKER in text and "v1.0.1-hotfix" in text and "v2.0.0" in text
    others = [p for p, b in snapshot(repo).items() if YOURS_MARKER.encode() in b]
    assert others == ["apps/services/shop/values.yaml"]


def test_a_deleted_generated_file_is_not_brought_back(repo: Path) -> None:
    pdb = repo / "apps/services/shop/templates/poddisruptionbudget.yaml"
    assert pdb.is_file()
    pdb.unlink()
    result = grow.render_repo(repo)
    assert not pdb.exists()
    assert actions(result)["apps/services/shop/templates/poddisruptionbudget.yaml"] is Action.SKIP_DELETED
    grow.add_service(repo, "cart", "web")
    assert not pdb.exists()


def test_files_the_user_added_are_never_touched(repo: Path) -> None:
    mine = repo / "apps/services/shop/templates/my-cronjob.yaml"
    mine.write_text("# mine\n")
    in_the_way = repo / "apps/services/cart/values.yaml"
    in_the_way.parent.mkdir(parents=True)
    in_the_way.write_text("# I made this before scaffold did\n")
    result = grow.add_service(repo, "cart", "web")
    assert mine.read_text() == "# mine\n"
    assert in_the_way.read_text() == "# I made this before scaffold did\n"
    assert actions(result)["apps/services/cart/values.yaml"] is Action.BLOCKED
    assert result.exit_code == 1
    grow.remove_service(repo, "shop", force=True)
    assert mine.read_text() == "# mine\n"  # a user's file survives even a forced removal


def test_render_twice_changes_nothing_the_second_time(repo: Path) -> None:
    grow.render_repo(repo)
    before = snapshot(repo)
    result = grow.render_repo(repo)
    assert snapshot(repo) == before
    assert actions(result) == {}


def test_add_env_reaches_every_service_and_team(repo: Path) -> None:
    grow.add_service(repo, "cart", "web")
    result = grow.add_env(repo, "staging", "main")
    created = {p for p, a in actions(result).items() if a is Action.CREATE}
    assert {"apps/services/shop/values-staging.yaml", "apps/services/cart/values-staging.yaml"} <= created
    assert any(p.startswith("projects/web-staging") for p in created)
    envs = [e["name"] for e in yaml.safe_load((repo / "scaffold.yaml").read_text())["environments"]]
    assert envs == ["dev", "staging", "prod"]  # before the last by default


def test_add_env_refuses_to_change_which_environment_is_production(repo: Path) -> None:
    before = snapshot(repo)
    with pytest.raises(UserInputError, match="would become the last, production environment"):
        grow.add_env(repo, "perf", "main", after="prod")
    assert snapshot(repo) == before


def test_remove_service_deletes_its_files_and_keeps_the_rest(repo: Path) -> None:
    grow.add_service(repo, "cart", "web")
    result = grow.remove_service(repo, "cart")
    assert not (repo / "apps/services/cart").exists()
    assert (repo / "apps/services/shop/values.yaml").is_file()
    assert not list((repo / ".scaffold/state/service_env").glob("cart/*"))
    assert "cart" not in (repo / "scaffold.yaml").read_text()
    assert result.exit_code == 0


def test_remove_service_refuses_edited_files_unless_forced(repo: Path) -> None:
    values = repo / "apps/services/shop/values-prod.yaml"
    values.write_text(values.read_text() + "# prod tuning\n")
    before = snapshot(repo)
    with pytest.raises(ConflictError, match=r"refusing to remove files you edited: .*values-prod\.yaml"):
        grow.remove_service(repo, "shop")
    assert snapshot(repo) == before
    grow.remove_service(repo, "shop", force=True)
    assert not values.exists()


def test_remove_env_drops_its_values_files_and_projects(repo: Path) -> None:
    grow.add_env(repo, "qa", "main")
    grow.remove_env(repo, "qa")
    assert not (repo / "apps/services/shop/values-qa.yaml").exists()
    assert not list((repo / "projects").glob("*-qa.yaml"))


def test_add_then_remove_returns_the_tree_to_where_it_was(repo: Path) -> None:
    before = snapshot(repo)
    grow.add_service(repo, "cart", "web", migrations=True, ingress_host="cart.acme.com")
    grow.remove_service(repo, "cart")
    after = snapshot(repo)
    assert after.keys() == before.keys()
    assert after == before


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda r: grow.add_service(r, "shop", "web"), "service 'shop' already exists"),
        (lambda r: grow.add_service(r, "cart", "nobody"), "--team: unknown team 'nobody'"),
        (lambda r: grow.add_service(r, "Cart", "web"), "NAME: 'Cart' is not a DNS-1123 label"),
        (lambda r: grow.add_service(r, "cart", "web", tag="latest"), "--tag: 'latest' is not"),
        (lambda r: grow.add_service(r, "cart", "web", autoscale="x"), "--autoscale: expected MIN:MAX"),
        (lambda r: grow.add_env(r, "dev", "main"), "environment 'dev' already exists"),
        (lambda r: grow.add_env(r, "qa", "nowhere"), "--cluster: unknown cluster 'nowhere'"),
        (lambda r: grow.add_team(r, "web", ["g"]), "team 'web' already exists"),
        (lambda r: grow.add_cluster(r, "main", "https://x.example.com"), "cluster 'main' already"),
        (lambda r: grow.add_cluster(r, "eu", "http://x"), "--server: 'http://x' is not an https://"),
        (lambda r: grow.remove_service(r, "nope"), "no service 'nope'"),
        (lambda r: grow.remove_env(r, "nope"), "no environment 'nope'"),
        (lambda r: grow.remove_env(r, "prod"), "would alter environment 'dev'"),
    ],
)
def test_bad_commands_exit_2_and_leave_the_repo_byte_identical(repo: Path, call, message: str) -> None:  # type: ignore[no-untyped-def]
    before = snapshot(repo)
    with pytest.raises(UserInputError, match=message) as caught:
        call(repo)
    assert caught.value.exit_code == 2
    assert snapshot(repo) == before


def test_dry_run_shows_a_diff_and_writes_nothing(repo: Path) -> None:
    before = snapshot(repo)
    result = grow.add_service(repo, "cart", "web", dry_run=True)
    assert snapshot(repo) == before
    assert "+++ b/apps/services/cart/values-dev.yaml" in result.diff
    assert "+- name: cart" in result.diff
    assert ".scaffold/state" not in result.diff  # the record is bookkeeping, not for review


def test_a_command_killed_after_its_commit_point_is_finished_by_the_next(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    moves: list[object] = []
    real_perform = apply._perform

    def die_half_way(repo_dir: Path, staging: Path, journal: list[list[str | None]]) -> None:
        moves.extend(journal)
        real_perform(repo_dir, staging, journal[: len(journal) // 2])
        raise SystemExit("killed")

    monkeypatch.setattr(apply, "_perform", die_half_way)
    with pytest.raises(SystemExit):
        grow.add_service(repo, "cart", "web")
    monkeypatch.setattr(apply, "_perform", real_perform)
    assert apply.recover(repo) is True
    assert (repo / "apps/services/cart/values-prod.yaml").is_file()
    assert "name: cart" in (repo / "scaffold.yaml").read_text()
    assert not (apply.work_dir(repo) / "staging").exists()


def test_a_command_that_fails_before_its_commit_point_changes_nothing(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = snapshot(repo)

    def disk_full(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(apply, "_make_parents", disk_full)
    with pytest.raises(apply.WriteError, match="the disk is full; nothing was changed"):
        grow.add_service(repo, "cart", "web")
    assert snapshot(repo) == before
    assert not (apply.work_dir(repo) / "staging").exists()


def test_a_second_command_waits_then_fails_clearly(repo: Path) -> None:
    from gitops_scaffold.errors import RepoLockedError

    with (
        apply.locked(repo),
        pytest.raises(RepoLockedError, match="another scaffold command"),
        apply.locked(repo, wait_seconds=0.2),
    ):
        pass


@pytest.mark.parametrize(
    "command",
    [
        lambda r: grow.add_service(r, "cart", "web", autoscale="2:4", migrations=True),
        lambda r: grow.add_env(r, "qa", "main"),
        lambda r: grow.add_team(r, "search", ["search-team"], admin=True),
        lambda r: grow.add_cluster(r, "eu", "https://eu.example.com"),
        lambda r: grow.remove_env(r, "dev"),
        lambda r: grow.remove_service(r, "shop"),
    ],
    ids=["add-service", "add-env", "add-team", "add-cluster", "remove-env", "remove-service"],
)
def test_a_grow_command_leaves_nothing_for_render_to_do(repo: Path, command) -> None:  # type: ignore[no-untyped-def]
    # Commands render only what they touch; nothing else may depend on the change.
    command(repo)
    assert status_command.status(repo).behind == []
    before = snapshot(repo)
    grow.render_repo(repo)
    assert snapshot(repo) == before


def test_init_commit_inside_another_repository_commits_only_its_own_files(tmp_path: Path) -> None:
    outer = tmp_path / "monorepo"
    outer.mkdir()
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=outer, check=True)
    (outer / "unrelated.txt").write_text("staged by someone else\n")
    subprocess.run(["git", "add", "unrelated.txt"], cwd=outer, check=True)
    answers = tmp_path / "answers.yaml"
    answers.write_text(yaml.safe_dump(minimal(), sort_keys=False))
    result = init_command.init(outer / "gitops", answers, commit=True)
    assert any("inside the Git repository" in note for note in result.notes)
    committed = subprocess.run(
        ["git", "show", "--name-only", "--format=", "HEAD"],
        cwd=outer,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert committed and all(p.startswith("gitops/") for p in committed)
    assert git_status(outer) == "A  unrelated.txt\n"
