"""init, add-*, remove-*, render: answers in, answers out, then render -> plan -> apply.

Every command follows the same path (``_run``): read and validate ``scaffold.yaml``, change
the answers as text (so the user's comments stay), validate again, render the template-set
instances the change touches, plan against the disk and the record of the last render, and
apply the plan all or nothing. Nothing here edits a generated file in place.
"""

from __future__ import annotations

import contextlib
import re
import shlex
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from gitops_scaffold import answers as answers_file
from gitops_scaffold import migrations
from gitops_scaffold.answers import ANSWERS_FILE, Document
from gitops_scaffold.apply import JOURNAL, apply_writes, locked, unified_diff, work_dir
from gitops_scaffold.context import resolve, resolve_environments
from gitops_scaffold.errors import AnswersError, ConflictError, UserInputError
from gitops_scaffold.model import Answers, Cluster, Environment, Service, Team
from gitops_scaffold.plan import NEEDS_ATTENTION, Action, Plan, make_plan
from gitops_scaffold.promotion.carry import only_pins_moved, pin_carrier
from gitops_scaffold.render import render
from gitops_scaffold.state import (
    META_FILE,
    STATE_DIR,
    encode_meta,
    is_scaffolded,
    load_record,
    recorded_keys,
)

MANAGED_SETS = ("repo", "addon", "cluster", "project")
ALL_SETS = (*MANAGED_SETS, "service", "service_env")
STATE_GITIGNORE = f"{STATE_DIR}/.gitignore"


@dataclass
class Result:
    """What a command did (or, with --dry-run, would do)."""

    command: str
    repo: Path
    plan: Plan
    dry_run: bool
    diff: str = ""
    next_steps: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def attention(self) -> list[str]:
        return [c.path for c in self.plan.changes if c.action in NEEDS_ATTENTION]

    @property
    def exit_code(self) -> int:
        return 1 if self.attention else 0


# --- scopes: which template-set instances a command renders ------------------------------


Wanted = Callable[[str], bool]


def _managed(key: str) -> bool:
    return key.split("/", 1)[0] in MANAGED_SETS


def _managed_or(*extra: Wanted) -> Wanted:
    return lambda key: _managed(key) or any(w(key) for w in extra)


def _service_keys(name: str) -> Wanted:
    return lambda key: key == f"service/{name}" or key.startswith(f"service_env/{name}/")


# --- the one path every command takes ----------------------------------------------------


def _run(
    command: str,
    repo: Path,
    change_answers: Callable[[Document, Answers], str] | None,
    wanted: Wanted | None,
    stale_prefixes: Callable[[Answers], tuple[str, ...]],
    dry_run: bool,
    force_removal: bool | None = None,
    guard_environments: bool = True,
    migrate: bool = False,
) -> Result:
    repo = _existing_repo(repo)
    with contextlib.nullcontext() if dry_run else locked(repo):
        path = repo / ANSWERS_FILE
        disk_text = answers_file.read_text(path)
        doc = answers_file.parse(path, disk_text)
        notes: list[str] = []
        if migrate:
            doc, notes = migrations.migrate(doc)
        else:
            migrations.refuse_old(doc)
        old = answers_file.validate(doc)
        new_text = doc.text if change_answers is None else change_answers(doc, old)
        new = _validate_change(repo / ANSWERS_FILE, new_text, changed=new_text != doc.text)
        if guard_environments:
            _refuse_environment_drift(old, new)
        rendered = render(resolve(new), wanted)
        stale = [k for k in recorded_keys(repo, stale_prefixes(old)) if k not in rendered]
        records = {key: load_record(repo, key) for key in (*rendered, *stale)}
        plan = make_plan(repo, rendered, records, stale, force=bool(force_removal), carry=pin_carrier(new))
        if new_text != disk_text:
            plan.internal[ANSWERS_FILE] = new_text
        plan.internal[META_FILE] = encode_meta(new_text)
        if force_removal is False:
            _refuse_edited_removals(plan)
        result = _finish(command, repo, plan, dry_run)
        result.notes += notes
        return result


def _validate_change(path: Path, new_text: str, changed: bool) -> Answers:
    """The answers after the command's change; a problem the change causes is said as such."""
    try:
        return answers_file.validate(answers_file.parse(path, new_text))
    except AnswersError as exc:
        if not changed:
            raise
        # The lines are those of the text the command would write, not of the file on disk.
        problems = [re.sub(r"^.*?:\d+: ", "", problem, count=1) for problem in exc.problems]
        raise AnswersError([f"this change would make {path} invalid: {p}" for p in problems]) from None


def _finish(command: str, repo: Path, plan: Plan, dry_run: bool) -> Result:
    result = Result(command=command, repo=repo, plan=plan, dry_run=dry_run)
    if dry_run:
        shown = {p: t for p, t in plan.writes.items() if not p.startswith(f"{STATE_DIR}/")}
        result.diff = unified_diff(repo, shown)
    else:
        apply_writes(repo, plan.writes)
    return result


def _existing_repo(repo: Path) -> Path:
    repo = repo.resolve()
    try:
        found = (repo / ANSWERS_FILE).is_file()
    except PermissionError:
        raise UserInputError(f"{repo}: permission denied; cannot read this folder") from None
    if not found:
        raise UserInputError(
            f"{repo}: no {ANSWERS_FILE} here; run this in a repository made by "
            f"`scaffold init`, or name one with --repo DIR"
        )
    if not is_scaffolded(repo):
        raise UserInputError(
            f"{repo}: {ANSWERS_FILE} exists but {META_FILE} does not, so the scaffold's record "
            "of what it wrote is missing; restore .scaffold/ from Git"
        )
    return repo


def _refuse_edited_removals(plan: Plan) -> None:
    edited = plan.by_action(Action.KEEP_EDITED)
    if edited:
        listing = ", ".join(c.path for c in edited)
        raise ConflictError(
            f"refusing to remove files you edited: {listing}; nothing was changed "
            "(keep a copy and run again with --force to remove them anyway)"
        )


def _refuse_environment_drift(old: Answers, new: Answers) -> None:
    """A change must not silently make another environment production, or move its namespaces."""
    before = {e["name"]: e for e in resolve_environments(old)}
    for env in resolve_environments(new):
        was = before.get(env["name"])
        if was is None:
            continue
        for key in ("production", "auto_sync", "namespace_suffix"):
            if was[key] != env[key]:
                raise UserInputError(
                    f"this change would alter environment {env['name']!r}: {key} "
                    f"{was[key]!r} -> {env[key]!r}; set {key} for {env['name']!r} explicitly "
                    f"in {ANSWERS_FILE} first, or choose another position"
                )


# --- init -----------------------------------------------------------------------------------


def init(dest: Path, answers_path: Path, dry_run: bool = False, commit: bool = False) -> Result:
    """A new gitops-config repository in ``dest`` from the answers file."""
    doc, answers = answers_file.load(answers_path)
    dest = dest.resolve()
    if not dry_run and (work_dir(dest) / JOURNAL).is_file():
        with locked(dest):  # finishes an init killed after its commit point
            pass
    _check_new_destination(dest)
    plan = make_plan(dest, render(resolve(answers)), {})
    plan.internal[ANSWERS_FILE] = doc.text
    plan.internal[META_FILE] = encode_meta(doc.text)
    plan.internal[STATE_GITIGNORE] = "# scaffold's transaction folder, when the repo has no .git\ntxn/\n"
    if dry_run:
        return _finish("init", dest, plan, dry_run=True)
    try:
        dest.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserInputError(f"{dest}: cannot create the destination ({exc.strerror})") from None
    git_ready = _git_init(dest)
    with locked(dest):
        result = _finish("init", dest, plan, dry_run=False)
    result.next_steps = _init_next_steps(dest, answers, committed=commit and git_ready)
    if commit and git_ready:
        _git_commit(dest, "Scaffold the gitops-config repository (scaffold init)")
        result.notes.append("committed as 'Scaffold the gitops-config repository (scaffold init)'")
    if not (dest / ".git").exists() and _inside_git(dest):
        result.notes.append(
            f"{dest} is inside the Git repository at {_git_top(dest)}, so it was not made a "
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
        "install Argo CD with helm, or `terraform init && terraform apply` in terraform/ (README.md)",
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


def _inside_git(path: Path) -> bool:
    return any((parent / ".git").exists() for parent in (path, *path.parents))


def _git_top(path: Path) -> Path:
    return next(parent for parent in (path, *path.parents) if (parent / ".git").exists())


def _git_init(dest: Path) -> bool:
    if _inside_git(dest):
        return True
    try:
        subprocess.run(
            ["git", "init", "--quiet", "--initial-branch=main", str(dest)],
            check=True,
            capture_output=True,
        )
    except (OSError, subprocess.CalledProcessError):
        return False
    return True


def _git_commit(repo: Path, message: str) -> None:
    # Only DEST's own files: inside a larger repository, whatever else is staged stays staged.
    for args in (["add", "--all", "--", "."], ["commit", "--quiet", "-m", message, "--", "."]):
        completed = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=False)
        if completed.returncode != 0:
            raise UserInputError(
                f"git {args[0]} failed: {completed.stderr.strip() or completed.stdout.strip()}"
            )


# --- growing --------------------------------------------------------------------------------


def _item(model: type[BaseModel], data: dict[str, Any], options: dict[str, str]) -> dict[str, Any]:
    """Validate one new list item built from command-line options; errors name the option."""
    try:
        model.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        field_name = str(error["loc"][0]) if error["loc"] else ""
        option = options.get(field_name, field_name)
        raise UserInputError(f"{option}: {answers_file.problem_message(error)}") from None
    return data


def _names(items: list[Any]) -> list[str]:
    return [item.name for item in items]


def _index_of(items: list[Any], name: str) -> int:
    return _names(items).index(name)


def _must_be_new(kind: str, name: str, items: list[Any], hint: str = "") -> None:
    if name in _names(items):
        raise UserInputError(f"{kind} {name!r} already exists in {ANSWERS_FILE}; nothing to do{hint}")


def _known(kind: str, names: list[str]) -> str:
    return f"known {kind}: {', '.join(names) or '(none)'}"


def add_service(
    repo: Path,
    name: str,
    team: str,
    image: str | None = None,
    tag: str = "0.1.0",
    port: int = 8080,
    health_path: str = "/health",
    migrations: bool = False,
    migrations_command: str | None = None,
    autoscale: str | None = None,
    ingress_host: str | None = None,
    dry_run: bool = False,
) -> Result:
    def change(doc: Document, current: Answers) -> str:
        _must_be_new("service", name, current.services, f" (remove it with `scaffold remove-service {name}`)")
        if team not in _names(current.teams):
            raise UserInputError(
                f"--team: unknown team {team!r} ({_known('teams', _names(current.teams))}); "
                f"add it first with `scaffold add-team {team} --group GROUP`"
            )
        item: dict[str, Any] = {
            "name": name,
            "team": team,
            "image": image or _default_image(current, name),
            "tag": tag,
            "port": port,
            "health_path": health_path,
        }
        if migrations or migrations_command:
            try:
                command = shlex.split(migrations_command or "./migrate")
            except ValueError as exc:  # an unbalanced quote
                raise UserInputError(f"--migrations-command: {exc}: {migrations_command!r}") from None
            item["migrations"] = {"command": command}
        if autoscale:
            item["autoscaling"] = _autoscaling(autoscale)
        if ingress_host:
            item["ingress"] = {"host": ingress_host}
        _item(
            Service,
            item,
            {
                "name": "NAME",
                "image": "--image",
                "tag": "--tag",
                "port": "--port",
                "health_path": "--health-path",
                "autoscaling": "--autoscale",
                "ingress": "--ingress-host",
                "migrations": "--migrations-command",
            },
        )
        return answers_file.insert_item(doc, "services", len(current.services), item)

    result = _run(
        "add-service",
        repo,
        change,
        _managed_or(_service_keys(name)),
        lambda _: MANAGED_SETS,
        dry_run,
    )
    result.next_steps = [
        f"review apps/services/{name}/ (values.yaml, values-<env>.yaml) and set the real image tag",
        "git add -A && git commit -m 'Add service " + name + "' && git push",
        f"Argo CD's services ApplicationSet picks up apps/services/{name} in every environment",
    ]
    return result


def _default_image(current: Answers, name: str) -> str:
    if current.image_updater is not None:
        return f"{current.image_updater.registry}/{name}"
    match = re.match(r"^(?:https://[^/]+/|git@[^:]+:)([^/]+)/", current.repo.url)
    owner = match.group(1).lower() if match else "example"
    return f"ghcr.io/{owner}/{name}"


def _autoscaling(text: str) -> dict[str, int]:
    match = re.fullmatch(r"\s*(\d+)\s*:\s*(\d+)\s*", text)
    if not match:
        raise UserInputError(f"--autoscale: expected MIN:MAX such as 2:10, got {text!r}")
    return {"min": int(match.group(1)), "max": int(match.group(2))}


def add_env(
    repo: Path,
    name: str,
    cluster: str,
    auto_sync: bool | None = None,
    after: str | None = None,
    namespace_suffix: str | None = None,
    image_updates: bool = False,
    dry_run: bool = False,
) -> Result:
    def change(doc: Document, current: Answers) -> str:
        envs = _names(current.environments)
        _must_be_new("environment", name, current.environments)
        if cluster not in _names(current.clusters):
            raise UserInputError(
                f"--cluster: unknown cluster {cluster!r} ({_known('clusters', _names(current.clusters))}); "
                f"add it first with `scaffold add-cluster {cluster} --server URL`"
            )
        if after is not None and after not in envs:
            raise UserInputError(f"--after: unknown environment {after!r} ({_known('environments', envs)})")
        position = envs.index(after) + 1 if after is not None else max(len(envs) - 1, 0)
        if position == len(envs):
            raise UserInputError(
                f"--after {after}: {name!r} would become the last, production environment; "
                f"add it before {envs[-1]!r}, or mark environments' `production:` explicitly first"
            )
        item: dict[str, Any] = {
            "name": name,
            "cluster": cluster,
            "auto_sync": True if auto_sync is None else auto_sync,
            "namespace_suffix": f"-{name}" if namespace_suffix is None else namespace_suffix,
        }
        if image_updates:
            item["image_updates"] = True
        _item(Environment, item, {"name": "NAME", "namespace_suffix": "--namespace-suffix"})
        return answers_file.insert_item(doc, "environments", position, item)

    # Every service's files are rendered: a values file names its neighbours in the promotion
    # order, so an environment in between changes those of the ones around it.
    result = _run("add-env", repo, change, None, lambda _: MANAGED_SETS, dry_run)
    result.next_steps = [
        f"review the new values-{name}.yaml in each service and projects/*-{name}.yaml",
        f"git add -A && git commit -m 'Add environment {name}' && git push",
    ]
    return result


def add_team(repo: Path, name: str, groups: list[str], admin: bool = False, dry_run: bool = False) -> Result:
    def change(doc: Document, current: Answers) -> str:
        _must_be_new("team", name, current.teams)
        if not groups:
            raise UserInputError("--group: give at least one SSO group for the team")
        item: dict[str, Any] = {"name": name, "groups": list(groups)}
        if admin:
            item["admin"] = True
        _item(Team, item, {"name": "NAME", "groups": "--group"})
        return answers_file.insert_item(doc, "teams", len(current.teams), item)

    result = _run("add-team", repo, change, _managed, lambda _: MANAGED_SETS, dry_run)
    result.next_steps = [
        f"add services for the team with `scaffold add-service NAME --team {name}`",
        f"git add -A && git commit -m 'Add team {name}' && git push",
    ]
    return result


def add_cluster(
    repo: Path,
    name: str,
    server: str,
    eks_cluster_name: str | None = None,
    role_arn: str | None = None,
    dry_run: bool = False,
) -> Result:
    def change(doc: Document, current: Answers) -> str:
        _must_be_new("cluster", name, current.clusters)
        if server in {c.server for c in current.clusters}:
            raise UserInputError(f"--server: {server} is already registered as another cluster")
        if (eks_cluster_name is None) != (role_arn is None):
            raise UserInputError("--eks-cluster-name and --role-arn go together; give both or neither")
        item: dict[str, Any] = {"name": name, "server": server}
        if eks_cluster_name and role_arn:
            item["eks"] = {"cluster_name": eks_cluster_name, "role_arn": role_arn}
        _item(Cluster, item, {"name": "NAME", "server": "--server", "eks": "--eks-cluster-name/--role-arn"})
        return answers_file.insert_item(doc, "clusters", len(current.clusters), item)

    result = _run("add-cluster", repo, change, _managed, lambda _: MANAGED_SETS, dry_run)
    result.next_steps = [
        f"put environments on it with `scaffold add-env NAME --cluster {name}`",
        f"git add -A && git commit -m 'Add cluster {name}' && git push",
    ]
    return result


def remove_service(repo: Path, name: str, force: bool = False, dry_run: bool = False) -> Result:
    def change(doc: Document, current: Answers) -> str:
        if name not in _names(current.services):
            raise UserInputError(
                f"no service {name!r} in {ANSWERS_FILE} ({_known('services', _names(current.services))})"
            )
        return answers_file.remove_item(doc, "services", _index_of(current.services, name))

    result = _run(
        "remove-service",
        repo,
        change,
        _managed,
        lambda _: (*MANAGED_SETS, f"service/{name}", f"service_env/{name}"),
        dry_run,
        force_removal=force,
    )
    result.next_steps = [
        f"git add -A && git commit -m 'Remove service {name}' && git push",
        "Argo CD deletes its Applications; the ApplicationSet preserves the running resources "
        "(preserveResourcesOnDeletion), so remove the namespaces by hand when you are sure",
    ]
    return result


def remove_env(repo: Path, name: str, force: bool = False, dry_run: bool = False) -> Result:
    def change(doc: Document, current: Answers) -> str:
        envs = _names(current.environments)
        if name not in envs:
            raise UserInputError(
                f"no environment {name!r} in {ANSWERS_FILE} ({_known('environments', envs)})"
            )
        if len(envs) == 1:
            raise UserInputError(f"{name!r} is the only environment; a repository needs at least one")
        return answers_file.remove_item(doc, "environments", envs.index(name))

    def stale(current: Answers) -> tuple[str, ...]:
        return (*MANAGED_SETS, *(f"service_env/{s.name}/{name}" for s in current.services))

    result = _run("remove-env", repo, change, None, stale, dry_run, force_removal=force)
    result.next_steps = [f"git add -A && git commit -m 'Remove environment {name}' && git push"]
    return result


def render_repo(repo: Path, dry_run: bool = False) -> Result:
    """Re-render everything from scaffold.yaml (after a hand edit of the answers)."""
    result = _run("render", repo, None, None, lambda _: ALL_SETS, dry_run, guard_environments=False)
    result.next_steps = ["review with `git diff`, then commit"]
    return result


def print_data(answers_path: Path) -> dict[str, Any]:
    """The resolved data templates see (what `copier copy` of a set needs)."""
    _, answers = answers_file.load(answers_path)
    return resolve(answers)


# --- upgrade and status ---------------------------------------------------------------------


def upgrade(
    repo: Path,
    argocd_chart: str | None = None,
    addon_charts: dict[str, str] | None = None,
    dry_run: bool = False,
) -> Result:
    """Re-render with the installed templates (and new pins), merging against the last render."""
    bumps = dict(addon_charts or {})
    for option, version in [
        ("--argocd-chart", argocd_chart),
        *((f"--addon-chart {n}", v) for n, v in bumps.items()),
    ]:
        if version is not None and not re.fullmatch(
            r"v?[0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.\-]+)?", version
        ):
            raise UserInputError(f"{option}: {version!r} is not a chart version such as '1.2.3'")

    def change(doc: Document, current: Answers) -> str:
        if argocd_chart is not None:
            doc = _reparse(doc, _set_argocd_chart(doc, argocd_chart))
        for name, version in sorted(bumps.items()):
            doc = _reparse(doc, _set_addon_chart(doc, current, name, version))
        return doc.text

    result = _run("upgrade", repo, change, None, lambda _: ALL_SETS, dry_run, migrate=True)
    result.next_steps = [
        "review with `git diff` (and resolve any conflict markers)",
        "git add -A && git commit -m 'Upgrade gitops-scaffold output' && git push",
    ]
    return result


def _reparse(doc: Document, text: str) -> Document:
    return answers_file.parse(doc.path, text)


def _set_argocd_chart(doc: Document, version: str) -> str:
    if "argocd" not in doc.data:
        return answers_file.add_section(doc, "argocd", {"chart_version": version})
    return answers_file.set_value(doc, ("argocd", "chart_version"), version)


def _set_addon_chart(doc: Document, current: Answers, name: str, version: str) -> str:
    names = _names(current.platform)
    if name not in names:
        raise UserInputError(f"--addon-chart: no add-on {name!r} ({_known('add-ons', names)})")
    if "platform" not in doc.data:
        # The defaults were never written down: write them, with the one pin changed.
        items = [{"name": n, **({"version": version} if n == name else {})} for n in names]
        return answers_file.add_section(doc, "platform", items)
    return answers_file.set_value(doc, ("platform", names.index(name), "version"), version)


@dataclass
class Status:
    """How the repo stands against its record and the installed gitops-scaffold."""

    repo: Path
    modified: list[str] = field(default_factory=list)  # generated files you changed
    pinned: list[str] = field(default_factory=list)  # values files whose image pins moved (only)
    deleted: list[str] = field(default_factory=list)  # generated files you deleted
    conflicted: list[str] = field(default_factory=list)  # still holding conflict markers
    behind: list[str] = field(default_factory=list)  # files `upgrade`/`render` would change
    answers_changed: bool = False  # scaffold.yaml edited since the last render
    templates_changed: bool = False  # installed templates differ from those last used
    rendered_by: str = ""

    @property
    def exit_code(self) -> int:
        return 1 if self.behind else 0


def status(repo: Path) -> Status:
    from gitops_scaffold import __version__
    from gitops_scaffold.merge import has_conflict_markers
    from gitops_scaffold.plan import read_current
    from gitops_scaffold.state import answers_digest, load_meta, templates_digest

    repo = _existing_repo(repo)
    disk_text = answers_file.read_text(repo / ANSWERS_FILE)
    doc = answers_file.parse(repo / ANSWERS_FILE, disk_text)
    migrations.refuse_old(doc)
    answers = answers_file.validate(doc)
    meta = load_meta(repo)
    report = Status(repo=repo, rendered_by=str(meta.get("version", "unknown")))
    report.answers_changed = meta.get("answers") != answers_digest(disk_text)
    report.templates_changed = (
        meta.get("templates") != templates_digest() or meta.get("version") != __version__
    )
    records = {key: load_record(repo, key) or {} for key in recorded_keys(repo)}
    carry = pin_carrier(answers)
    for files in records.values():
        for path, base in sorted(files.items()):
            current = read_current(repo, path)
            if current is None:
                report.deleted.append(path)
            elif current != base and only_pins_moved(carry, path, base, current):
                report.pinned.append(path)
            elif current != base:
                (report.conflicted if has_conflict_markers(current) else report.modified).append(path)
    rendered = render(resolve(answers))
    for key in sorted(set(rendered) | set(records)):
        new, old = rendered.get(key, {}), records.get(key, {})
        report.behind += [p for p in sorted(set(new) | set(old)) if new.get(p) != old.get(p)]
    for listing in (report.modified, report.pinned, report.deleted, report.conflicted, report.behind):
        listing.sort()
    return report
