"""add-*, remove-* and render: change the answers, then the shared pipeline renders and applies."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from gitops_scaffold import answers as answers_file
from gitops_scaffold.answers import Document
from gitops_scaffold.commands.pipeline import (
    ALL_SETS,
    MANAGED_SETS,
    known,
    managed,
    managed_or,
    names_of,
    run,
    service_keys,
)
from gitops_scaffold.constants import ANSWERS_FILE
from gitops_scaffold.errors import UserInputError
from gitops_scaffold.model import Answers, Cluster, Environment, Service, Team
from gitops_scaffold.result import Result


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



def _index_of(items: list[Any], name: str) -> int:
    return names_of(items).index(name)


def _must_be_new(kind: str, name: str, items: list[Any], hint: str = "") -> None:
    if name in names_of(items):
        raise UserInputError(f"{kind} {name!r} already exists in {ANSWERS_FILE}; nothing to do{hint}")



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
    host_notes: list[str] = []

    def change(doc: Document, current: Answers) -> str:
        _must_be_new("service", name, current.services, f" (remove it with `scaffold remove-service {name}`)")
        if team not in names_of(current.teams):
            raise UserInputError(
                f"--team: unknown team {team!r} ({known('teams', names_of(current.teams))}); "
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
            hosts = _environment_hosts(current, ingress_host)
            if hosts:
                item["ingress"]["hosts"] = hosts
                host_notes[:] = [
                    f"ingress: {e} is served at {h} (ingress.hosts in {ANSWERS_FILE})"
                    for e, h in hosts.items()
                ]
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

    result = run(
        "add-service",
        repo,
        change,
        managed_or(service_keys(name)),
        lambda _: MANAGED_SETS,
        dry_run,
    )
    result.notes += host_notes
    result.next_steps = [
        f"review apps/services/{name}/ (values.yaml, values-<env>.yaml) and set the real image tag",
        "git add -A && git commit -m 'Add service " + name + "' && git push",
        f"Argo CD's services ApplicationSet picks up apps/services/{name} in every environment",
    ]
    return result


def _environment_hosts(current: Answers, host: str) -> dict[str, str]:
    """`<env>.<host>` for each non-production environment that shares its cluster with another:
    one host and path per cluster, or ingress-nginx refuses the second Ingress."""
    from gitops_scaffold.model import is_production

    per_cluster: dict[str, int] = {}
    for env in current.environments:
        per_cluster[env.cluster] = per_cluster.get(env.cluster, 0) + 1
    return {
        env.name: f"{env.name}.{host}"
        for index, env in enumerate(current.environments)
        if per_cluster[env.cluster] > 1 and not is_production(current, index)
    }


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
        envs = names_of(current.environments)
        _must_be_new("environment", name, current.environments)
        if cluster not in names_of(current.clusters):
            raise UserInputError(
                f"--cluster: unknown cluster {cluster!r} ({known('clusters', names_of(current.clusters))}); "
                f"add it first with `scaffold add-cluster {cluster} --server URL`"
            )
        if after is not None and after not in envs:
            raise UserInputError(f"--after: unknown environment {after!r} ({known('environments', envs)})")
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
    result = run("add-env", repo, change, None, lambda _: MANAGED_SETS, dry_run)
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

    result = run("add-team", repo, change, managed, lambda _: MANAGED_SETS, dry_run)
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

    result = run("add-cluster", repo, change, managed, lambda _: MANAGED_SETS, dry_run)
    result.next_steps = [
        f"put environments on it with `scaffold add-env NAME --cluster {name}`",
        f"git add -A && git commit -m 'Add cluster {name}' && git push",
    ]
    return result


def remove_service(repo: Path, name: str, force: bool = False, dry_run: bool = False) -> Result:
    def change(doc: Document, current: Answers) -> str:
        if name not in names_of(current.services):
            raise UserInputError(
                f"no service {name!r} in {ANSWERS_FILE} ({known('services', names_of(current.services))})"
            )
        return answers_file.remove_item(doc, "services", _index_of(current.services, name))

    result = run(
        "remove-service",
        repo,
        change,
        managed,
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
        envs = names_of(current.environments)
        if name not in envs:
            raise UserInputError(
                f"no environment {name!r} in {ANSWERS_FILE} ({known('environments', envs)})"
            )
        if len(envs) == 1:
            raise UserInputError(f"{name!r} is the only environment; a repository needs at least one")
        return answers_file.remove_item(doc, "environments", envs.index(name))

    def stale(current: Answers) -> tuple[str, ...]:
        return (*MANAGED_SETS, *(f"service_env/{s.name}/{name}" for s in current.services))

    result = run("remove-env", repo, change, None, stale, dry_run, force_removal=force)
    result.next_steps = [f"git add -A && git commit -m 'Remove environment {name}' && git push"]
    return result


def render_repo(repo: Path, dry_run: bool = False) -> Result:
    """Re-render everything from scaffold.yaml (after a hand edit of the answers)."""
    result = run("render", repo, None, None, lambda _: ALL_SETS, dry_run, guard_environments=False)
    result.next_steps = ["review with `git diff`, then commit"]
    return result
