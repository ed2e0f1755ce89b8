"""init: a new gitops-config repository from an answers file."""

from __future__ import annotations

from pathlib import Path

from gitops_scaffold import answers as answers_file
from gitops_scaffold import ingress_choice
from gitops_scaffold.apply import locked, work_dir
from gitops_scaffold.commands.pipeline import finish
from gitops_scaffold.constants import ANSWERS_FILE, JOURNAL, META_FILE, STATE_DIR
from gitops_scaffold.context import resolve
from gitops_scaffold.errors import ConflictError, UserInputError
from gitops_scaffold.git import check_git_identity, git_commit, git_init, git_top, inside_git
from gitops_scaffold.model import Answers
from gitops_scaffold.plan import make_plan
from gitops_scaffold.render import render
from gitops_scaffold.result import Result
from gitops_scaffold.state import encode_meta

STATE_GITIGNORE = f"{STATE_DIR}/.gitignore"


def answers_to_render(dest: Path, answers: Path | None, defaults: bool, data: list[str]) -> Path | None:
    """The answers file ``init`` renders: ``--answers``, or one made from the questionnaire's
    defaults and ``--data`` (``--defaults``); None when the questions are to be asked."""
    if answers is not None and (defaults or data):
        raise UserInputError("--answers is a whole answers file: leave out --defaults and --data")
    if data and not defaults:
        raise UserInputError("--data sets answers without asking: add --defaults")
    if answers is not None or not defaults:
        return answers
    from gitops_scaffold.questionnaire import from_defaults

    return from_defaults(dest, data)


def init(dest: Path, answers_path: Path, dry_run: bool = False, commit: bool = False) -> Result:
    """A new gitops-config repository in ``dest`` from the answers file."""
    doc, _ = answers_file.load(answers_path)
    dest = dest.resolve()
    # The default ingress controller is chosen once, here, and written down (ingress_choice.py).
    text, recorded = ingress_choice.record(dest / ANSWERS_FILE, doc.text, running=None)
    answers = answers_file.validate(answers_file.parse(answers_path, text))
    if not dry_run and (work_dir(dest) / JOURNAL).is_file():
        with locked(dest):  # finishes an init killed after its commit point
            pass
    _check_new_destination(dest)
    plan = make_plan(dest, render(resolve(answers)), {})
    # Line numbers of later messages are those of this text; the modeline is one comment line.
    answers_text = answers_file.with_schema_modeline(text)
    plan.internal[ANSWERS_FILE] = answers_text
    plan.internal[META_FILE] = encode_meta(answers_text)
    plan.internal[STATE_GITIGNORE] = "# scaffold's transaction folder, when the repo has no .git\ntxn/\n"
    if dry_run:
        result = finish("init", dest, plan, dry_run=True)
        result.notes += [recorded] if recorded else []
        return result
    if commit:
        check_git_identity(dest)  # before anything is written: exit 2 means nothing was
    try:
        dest.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserInputError(f"{dest}: cannot create the destination ({exc.strerror})") from None
    git_ready = git_init(dest)
    with locked(dest):
        _check_new_destination(dest)  # again, under the lock: a concurrent init may have won
        result = finish("init", dest, plan, dry_run=False)
    result.notes += [recorded] if recorded else []
    result.next_steps = _init_next_steps(dest, answers, committed=commit and git_ready)
    if commit and git_ready:
        try:
            git_commit(dest, "Scaffold the gitops-config repository (scaffold init)")
        except UserInputError as exc:  # the files are written: say so, exit 1, not 2
            raise ConflictError(
                f"{dest}: the repository was written, but {exc.message}; commit it yourself: "
                f"cd {dest} && git add -A && git commit -m 'Scaffold gitops-config'"
            ) from None
        result.notes.append("committed as 'Scaffold the gitops-config repository (scaffold init)'")
    if not (dest / ".git").exists() and inside_git(dest):
        result.notes.append(
            f"{dest} is inside the Git repository at {git_top(dest)}, so it was not made a "
            "repository of its own" + (" (only its files were committed)" if commit else "")
        )
    if not git_ready:
        result.notes.append("git was not found, so the folder is not a Git repository yet")
    return result


def _init_next_steps(repo: Path, answers: Answers, committed: bool) -> list[str]:
    namespace = answers.argocd.namespace
    steps = [] if committed else [f"cd {repo} && git add -A && git commit -m 'Scaffold gitops-config'"]
    return [
        *steps,
        f"push it to {answers.repo.url} (branch {answers.repo.revision}): Argo CD pulls from there",
        "install Argo CD with helm, or in terraform/: `terraform init && terraform apply "
        "-target=helm_release.argocd`, then `terraform apply` (README.md, Bootstrap)",
        f"kubectl apply -n {namespace} -f bootstrap/root-app.yaml   # the only manual apply",
        "from then on every change is a commit; grow the repo with `scaffold add-service NAME --team TEAM`",
    ]


def _check_new_destination(dest: Path) -> None:
    if dest.exists() and not dest.is_dir():
        raise UserInputError(f"{dest}: exists and is not a folder")
    if _holds_a_scaffold(dest):
        raise UserInputError(
            f"{dest}: already holds a scaffolded repository; grow it with `scaffold add-service`, "
            "`scaffold add-env`, `scaffold add-team` or `scaffold add-cluster`, or re-render it "
            "with `scaffold render`"
        )


def _holds_a_scaffold(dest: Path) -> bool:
    """scaffold.yaml or a record; not the empty folders and lock an init killed early leaves."""
    if (dest / ANSWERS_FILE).exists():
        return True
    state = dest / STATE_DIR
    return state.is_dir() and any(
        p.is_file() and p.relative_to(state).parts[0] != "txn" for p in state.rglob("*")
    )
