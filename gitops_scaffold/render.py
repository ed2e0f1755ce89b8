"""Template sets -> an in-memory tree ``{instance key: {path: text}}``.

Each set under ``templates/`` is a Copier template (``copier.yml`` + ``template/``). A set is
rendered once per *instance*: the repo set once, the service set once per service, the
project set once per team and environment, and so on. An instance key such as
``service_env/orders/dev`` names what an instance was rendered for; the record of what the
scaffold last wrote (``state.py``) is kept per instance, so growing a repo renders and reads
only the instances a command touches.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from jinja2 import Environment, Template

    from gitops_scaffold.context import Json  # (not at run time: it imports the answers model)
from gitops_scaffold.templates_root import templates_root

TEMPLATES_DIR = templates_root()
TEMPLATE_SUFFIX = ".jinja"

Tree = dict[str, str]


@dataclass(frozen=True)
class SetSpec:
    """A template set and how it fans out over the answers."""

    name: str
    # True: written once per item and then the user's (values files, chart templates).
    seeded: bool
    instances: Callable[[Json], Iterator[tuple[str, Json]]]


def _once(view: Json) -> Iterator[tuple[str, Json]]:
    yield "", {}


def _per_addon(view: Json) -> Iterator[tuple[str, Json]]:
    for addon in view["platform"]:
        yield addon["name"], {"addon": addon}


def _per_remote_cluster(view: Json) -> Iterator[tuple[str, Json]]:
    for cluster in view["clusters"]:
        if not cluster["in_cluster"]:
            yield cluster["name"], {"cluster": cluster}


def _per_karpenter_cluster(view: Json) -> Iterator[tuple[str, Json]]:
    # Karpenter's EC2NodeClass and NodePool, one pair per EKS cluster the add-on runs on.
    for cluster in (view.get("karpenter") or {}).get("clusters", []):
        yield cluster["name"], {"cluster": cluster}


def _per_team_env(view: Json) -> Iterator[tuple[str, Json]]:
    for team in view["teams"]:
        for env in view["environments"]:
            yield f"{team['name']}/{env['name']}", {"team": team, "env": env}


def _per_service(view: Json) -> Iterator[tuple[str, Json]]:
    for service in view["services"]:
        yield service["name"], {"service": service}


def _per_service_env(view: Json) -> Iterator[tuple[str, Json]]:
    for service in view["services"]:
        for env in view["environments"]:
            yield f"{service['name']}/{env['name']}", {"service": service, "env": env}


SETS: tuple[SetSpec, ...] = (
    SetSpec("repo", seeded=False, instances=_once),
    SetSpec("addon", seeded=False, instances=_per_addon),
    SetSpec("cluster", seeded=False, instances=_per_remote_cluster),
    SetSpec("karpenter", seeded=False, instances=_per_karpenter_cluster),
    SetSpec("project", seeded=False, instances=_per_team_env),
    SetSpec("service", seeded=True, instances=_per_service),
    SetSpec("service_env", seeded=True, instances=_per_service_env),
)
SETS_BY_NAME = {spec.name: spec for spec in SETS}


def instance_key(set_name: str, item: str) -> str:
    return f"{set_name}/{item}" if item else set_name


@dataclass(frozen=True)
class Instance:
    key: str
    set_name: str
    data: Json  # what Copier is given: {"scaffold": view, **item}


def instances(view: Json, wanted: Callable[[str], bool] | None = None) -> Iterator[Instance]:
    """Every instance the answers imply, or those whose key ``wanted`` accepts."""
    for spec in SETS:
        for item, extra in spec.instances(view):
            key = instance_key(spec.name, item)
            if wanted is None or wanted(key):
                yield Instance(key, spec.name, {"scaffold": view, **extra})


@functools.cache
def _environment(set_name: str) -> Environment:
    import yaml
    from jinja2 import FileSystemLoader, StrictUndefined
    from jinja2.sandbox import SandboxedEnvironment

    # Copier builds a sandboxed environment from the same `_envops`; reading them from
    # copier.yml keeps the two renderers from drifting apart.
    config = yaml.safe_load((TEMPLATES_DIR / set_name / "copier.yml").read_text(encoding="utf-8"))
    envops: dict[str, Any] = dict(config["_envops"])
    envops.pop("undefined", None)
    return SandboxedEnvironment(
        # Rooted at the set, not its `template/` folder, as Copier's loader is: an import names
        # `template/<path>` (or a macro file beside `template/`) the same way in both.
        loader=FileSystemLoader(TEMPLATES_DIR / set_name),
        extensions=["gitops_scaffold.jinja_ext.ScaffoldExtension"],
        undefined=StrictUndefined,
        autoescape=False,
        **envops,
    )


@functools.cache
def _template_paths(set_name: str) -> tuple[str, ...]:
    root = TEMPLATES_DIR / set_name / "template"
    return tuple(sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()))


@functools.cache
def _path_template(env: Environment, part: str) -> Template:
    # Compiling is most of the cost of a path; a 500-service repo renders each part thousands of times.
    return env.from_string(part)


def _render_path(env: Environment, template_path: str, data: Json) -> str | None:
    """The output path, or None where a part renders empty (Copier skips those too).

    Like Copier, the ``.jinja`` suffix comes off before the parts are rendered, so
    ``[% if x %]name.yaml[% endif %].jinja`` is skipped when ``x`` is false.
    """
    parts = []
    for part in PurePosixPath(template_path.removesuffix(TEMPLATE_SUFFIX)).parts:
        rendered = _path_template(env, part).render(data) if "[" in part else part
        if not rendered:
            return None
        parts.append(rendered)
    return "/".join(parts)


def render_instance(instance: Instance) -> Tree:
    env = _environment(instance.set_name)
    tree: Tree = {}
    for template_path in _template_paths(instance.set_name):
        out_path = _render_path(env, template_path, instance.data)
        if out_path is None:
            continue
        if template_path.endswith(TEMPLATE_SUFFIX):
            tree[out_path] = env.get_template(f"template/{template_path}").render(instance.data)
        else:
            source = TEMPLATES_DIR / instance.set_name / "template" / template_path
            tree[out_path] = source.read_text(encoding="utf-8")
    return tree


def render(view: Json, wanted: Callable[[str], bool] | None = None) -> dict[str, Tree]:
    """Render the wanted instances: ``{instance key: {path: text}}``."""
    from gitops_scaffold import progress

    wanted_instances = list(instances(view, wanted))
    rendered: dict[str, Tree] = {}
    for done, inst in enumerate(wanted_instances):
        progress.tick("rendering", done, len(wanted_instances))
        rendered[inst.key] = render_instance(inst)
    return rendered


def flatten(rendered: dict[str, Tree]) -> Tree:
    tree: Tree = {}
    for files in rendered.values():
        tree.update(files)
    return dict(sorted(tree.items()))
