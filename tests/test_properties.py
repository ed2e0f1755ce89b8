"""Properties of the answers model, over answers hypothesis invents.

- Any valid answers render to a repository that passes the checks made right after init:
  every YAML and JSON file parses, values files carry the answers' values unchanged, a
  re-render straight away changes nothing and `status` says the repo is up to date.
- Rendering is deterministic: the same answers give byte-identical trees, in this process,
  in a second init, and in other processes with other hash seeds.
- Adding a service (or an environment) renders everything the change touches (a `render`
  right after it changes nothing), and removing it again returns the repository, the answers
  file included, to the very same bytes.

Free text (the migration command) is drawn from a wide alphabet: quotes, colons, `{{ }}`,
`[[ ]]`, `{% %}`, newlines, non-ASCII. Example counts stay small (each example runs `init`).
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from gitops_scaffold.catalog import ADDONS
from gitops_scaffold.commands import grow
from gitops_scaffold.commands import init as init_command
from gitops_scaffold.commands import status as status_command
from gitops_scaffold.constants import ANSWERS_FILE
from gitops_scaffold.context import resolve
from gitops_scaffold.model import Answers
from gitops_scaffold.plan import Action
from gitops_scaffold.render import flatten, render
from tests.factory import EXAMPLE, ROOT, minimal, snapshot, write_answers

SETTINGS = settings(
    # SCAFFOLD_PROPERTY_EXAMPLES=500 for a longer hunt; 25 keeps the suite quick.
    max_examples=int(os.environ.get("SCAFFOLD_PROPERTY_EXAMPLES", "25")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# --- strategies: valid answers ------------------------------------------------------------

label = st.from_regex(r"\A[a-z][a-z0-9]{0,6}\Z")
group = st.from_regex(r"\A[A-Za-z0-9][A-Za-z0-9 _.@:/-]{0,20}\Z")
tag = st.from_regex(r"\A[A-Za-z0-9_][A-Za-z0-9_.-]{0,20}\Z").filter(lambda t: t != "latest")
http_path = st.from_regex(r"\A/[A-Za-z0-9._~/-]{0,15}\Z")
# Anything a person might put in a command: shell syntax, template delimiters, non-ASCII.
argument = st.one_of(
    st.sampled_from(
        [
            "./migrate",
            "--no-input",
            "{{ .Values.x }}",
            "[[ scaffold ]]",
            "{% raw %}",
            "a: b",
            "- x",
            "'quoted'",
            '"double"',
            "#comment",
            "multi\nline",
            "tab\tbed",
            "ünïcødé",
            "yes",
            "null",
            "1.0",
            "@x",
            "*",
            "&a",
            "!tag",
            "%",
            "`cmd`",
            "$HOME",
        ]
    ),
    # Printable text: control characters are refused by the model (they would break YAML).
    st.text(
        st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufffe\uffff"),
        min_size=1,
        max_size=12,
    ),
)


def unique_labels(min_size: int, max_size: int) -> st.SearchStrategy[list[str]]:
    return st.lists(label, min_size=min_size, max_size=max_size, unique=True)


def _clusters(draw: st.DrawFn) -> list[dict[str, Any]]:
    clusters: list[dict[str, Any]] = []
    for index, name in enumerate(draw(unique_labels(1, 3))):
        if index == 0 and draw(st.booleans()):
            clusters.append({"name": name, "server": "https://kubernetes.default.svc"})
            continue
        cluster: dict[str, Any] = {"name": name, "server": f"https://{name}.k8s.example.com"}
        if draw(st.booleans()):
            cluster["eks"] = {
                "cluster_name": f"{name}-eks",
                "role_arn": "arn:aws:iam::123456789012:role/argocd",
            }
        clusters.append(cluster)
    return clusters


def _environments(draw: st.DrawFn, clusters: list[str], image_updater: bool) -> list[dict[str, Any]]:
    names = draw(unique_labels(1, 4))
    environments: list[dict[str, Any]] = []
    for index, name in enumerate(names):
        last = index == len(names) - 1
        env: dict[str, Any] = {"name": name, "cluster": draw(st.sampled_from(clusters))}
        if draw(st.booleans()):
            env["auto_sync"] = False if last else draw(st.booleans())
        if draw(st.booleans()):
            env["self_heal"] = draw(st.booleans())
        if image_updater and not last and draw(st.booleans()):
            env["image_updates"] = True
        if last and draw(st.booleans()):
            kind = draw(st.sampled_from(["allow", "deny"]))
            env["sync_windows"] = [
                {
                    "kind": kind,
                    "schedule": "0 8 * * MON-FRI",
                    "duration": "2h",
                    "manual_sync": draw(st.booleans()),
                }
            ]
        environments.append(env)
    # Two environments on one cluster need different namespaces (the model says so too).
    suffixes = [
        (e["cluster"], "" if i == len(names) - 1 else f"-{e['name']}") for i, e in enumerate(environments)
    ]
    assume(len(set(suffixes)) == len(suffixes))
    return environments


def _service(draw: st.DrawFn, name: str, teams: list[str]) -> dict[str, Any]:
    service: dict[str, Any] = {
        "name": name,
        "team": draw(st.sampled_from(teams)),
        "image": f"ghcr.io/acme/{name}",
        "tag": draw(tag),
    }
    optional: dict[str, st.SearchStrategy[Any]] = {
        "port": st.integers(1, 65535),
        "health_path": http_path,
        "replicas": st.integers(1, 5),
        "migrations": st.fixed_dictionaries({"command": st.lists(argument, min_size=1, max_size=4)}),
        "ingress": st.fixed_dictionaries({"host": st.just(f"{name}.apps.example.com"), "path": http_path}),
        "autoscaling": st.integers(1, 5).flatmap(
            lambda low: st.fixed_dictionaries(
                {"min": st.just(low), "max": st.integers(low, 10), "cpu": st.integers(1, 100)}
            )
        ),
        "database_secret": st.just(f"prod/{name}/db"),
    }
    for key, strategy in optional.items():
        if draw(st.booleans()):
            service[key] = draw(strategy)
    return service


def _argocd(draw: st.DrawFn) -> dict[str, Any]:
    argocd: dict[str, Any] = {}
    if draw(st.booleans()):
        argocd["domain"] = "argocd.example.com"
    if draw(st.booleans()):
        argocd["sso"] = {"name": "Okta", "issuer": "https://acme.okta.com", "client_id": "argocd"}
    for key in ("ha", "system_nodes"):
        if draw(st.booleans()):
            argocd[key] = draw(st.booleans())
    return argocd


@st.composite
def answers(draw: st.DrawFn) -> dict[str, Any]:
    """A valid answers mapping, with a different mix of the optional parts each time."""
    clusters = _clusters(draw)
    image_updater = draw(st.booleans())
    teams: list[dict[str, Any]] = [
        {
            "name": n,
            "groups": draw(st.lists(group, min_size=1, max_size=2, unique=True)),
            "admin": draw(st.booleans()),
        }
        for n in draw(unique_labels(1, 3))
    ]
    team_names = [t["name"] for t in teams]
    data: dict[str, Any] = {
        "version": 1,
        "repo": {
            "url": draw(
                st.sampled_from(
                    ["https://github.com/acme/gitops-config", "git@github.com:acme/gitops-config.git"]
                )
            )
        },
        "clusters": clusters,
        "environments": _environments(draw, [c["name"] for c in clusters], image_updater),
        "teams": teams,
        "services": [_service(draw, name, team_names) for name in draw(unique_labels(0, 3))],
    }
    env_names = [e["name"] for e in data["environments"]]
    for service in data["services"]:
        if "ingress" in service:  # one host and path per cluster: every environment its own host
            service["ingress"]["hosts"] = {e: f"{service['name']}.{e}.apps.example.com" for e in env_names}
    argocd = _argocd(draw)
    if argocd:
        data["argocd"] = argocd
    if draw(st.booleans()):
        # The image updater add-on needs the image_updater section (the model says so).
        addons = sorted(a for a in ADDONS if image_updater or a != "argocd-image-updater")
        data["platform"] = [{"name": n} for n in draw(st.lists(st.sampled_from(addons), unique=True))]
    if draw(st.booleans()):
        data["notifications"] = {"slack": {"deployments": "deploys", "alerts": "alerts"}}
    if image_updater:
        data["image_updater"] = {"registry": "123456789012.dkr.ecr.eu-west-1.amazonaws.com"}
    # Random labels can derive one name twice (service `a` in `b-c`, `a-b` in `c`) or land in a
    # platform namespace: the model refuses those (tests/test_hostile.py), so they are not valid.
    assume(not _derived_problems(data))
    return data


def _derived_problems(data: dict[str, Any]) -> list[Any]:
    from pydantic import ValidationError

    from gitops_scaffold.derived import derived_name_problems

    try:
        return derived_name_problems(Answers.model_validate(data))
    except ValidationError:
        return []  # another problem; the test using this data says which


# --- the checks made right after init -----------------------------------------------------


def helm_template(path: str) -> bool:
    """Chart templates hold Helm's {{ }}: not YAML until Helm renders them."""
    return "/templates/" in path and path.startswith(("apps/services/", "argocd/"))


def check_fresh_repo(repo: Path, data: dict[str, Any]) -> None:
    files = snapshot(repo)
    assert ANSWERS_FILE in files and ".scaffold/meta.json" in files
    for path, raw in files.items():
        text = raw.decode("utf-8")
        if path.endswith((".yaml", ".yml")) and not helm_template(path):
            list(yaml.safe_load_all(text))
        elif path.endswith(".json"):
            json.loads(text)
    for service in data["services"]:
        values = yaml.safe_load(files[f"apps/services/{service['name']}/values.yaml"])
        assert service["tag"] in json.dumps(values, ensure_ascii=False)
        if "migrations" in service:
            assert service["migrations"]["command"] in list(_lists(values)), "the command changed on the way"
        for env in data["environments"]:
            assert f"apps/services/{service['name']}/values-{env['name']}.yaml" in files
    again = grow.render_repo(repo)
    assert {c.action for c in again.plan.changes} == {Action.UNCHANGED}
    assert snapshot(repo) == files
    status = status_command.status(repo)
    assert (status.behind, status.modified, status.deleted) == ([], [], [])


def _lists(value: Any) -> Any:
    if isinstance(value, list):
        yield value
        for item in value:
            yield from _lists(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _lists(item)


@SETTINGS
@given(data=answers())
def test_any_valid_answers_render_a_repo_that_passes_the_init_checks(
    tmp_path_factory: pytest.TempPathFactory, data: dict[str, Any]
) -> None:
    Answers.model_validate(data)  # the strategy only makes valid answers
    tmp = tmp_path_factory.mktemp("prop")
    answers_path = write_answers(tmp / "answers.yaml", data)
    result = init_command.init(tmp / "repo", answers_path)
    assert result.exit_code == 0
    check_fresh_repo(tmp / "repo", data)


@SETTINGS
@given(data=answers())
def test_rendering_is_deterministic(tmp_path_factory: pytest.TempPathFactory, data: dict[str, Any]) -> None:
    first = flatten(render(resolve(Answers.model_validate(data))))
    second = flatten(render(resolve(Answers.model_validate(json.loads(json.dumps(data))))))
    assert first == second
    tmp = tmp_path_factory.mktemp("det")
    answers_path = write_answers(tmp / "answers.yaml", data)
    init_command.init(tmp / "one", answers_path)
    init_command.init(tmp / "two", answers_path)
    assert snapshot(tmp / "one") == snapshot(tmp / "two")


_DIGEST = (
    "import hashlib, json, sys\n"
    "from gitops_scaffold.context import resolve\n"
    "from gitops_scaffold.model import Answers\n"
    "from gitops_scaffold.render import flatten, render\n"
    "out = []\n"
    "for data in json.load(sys.stdin):\n"
    "    tree = flatten(render(resolve(Answers.model_validate(data))))\n"
    "    out.append(hashlib.sha256(json.dumps(tree, sort_keys=True).encode()).hexdigest())\n"
    "print(json.dumps(out))\n"
)


def test_rendering_is_the_same_in_other_processes_and_hash_seeds() -> None:
    examples = [yaml.safe_load(EXAMPLE.read_text()), minimal()]
    for path in sorted((ROOT / "examples").glob("*/scaffold.yaml")):
        examples.append(yaml.safe_load(path.read_text()))
    digests = []
    for seed in ("0", "1", "12345"):
        completed = subprocess.run(
            [sys.executable, "-c", _DIGEST],
            input=json.dumps(examples),
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(ROOT)},
        )
        digests.append(json.loads(completed.stdout))
    here = [
        hashlib.sha256(
            json.dumps(flatten(render(resolve(Answers.model_validate(d)))), sort_keys=True).encode()
        ).hexdigest()
        for d in examples
    ]
    assert digests == [here, here, here]


# --- add then remove ----------------------------------------------------------------------


def assert_render_is_a_no_op(repo: Path) -> None:
    changes = grow.render_repo(repo, dry_run=True).plan.changes
    assert [(c.path, c.action) for c in changes if c.action is not Action.UNCHANGED] == []


@st.composite
def new_service(draw: st.DrawFn) -> dict[str, Any]:
    return {
        "name": draw(st.sampled_from(["zz-new", "cart", "search9"])),
        "tag": draw(tag),
        "port": draw(st.integers(1, 65535)),
        "migrations_command": draw(st.none() | st.sampled_from(["./migrate --fast", "sh -c 'a: {{ b }}'"])),
        "autoscale": draw(st.none() | st.sampled_from(["1:3", "2:2"])),
        "ingress_host": draw(st.none() | st.just("new.apps.example.com")),
    }


@SETTINGS
@given(data=answers(), service=new_service())
def test_add_then_remove_a_service_returns_the_same_bytes(
    tmp_path_factory: pytest.TempPathFactory, data: dict[str, Any], service: dict[str, Any]
) -> None:
    assume(service["name"] not in {s["name"] for s in data["services"]})
    tmp = tmp_path_factory.mktemp("addrm")
    repo = tmp / "repo"
    init_command.init(repo, write_answers(tmp / "answers.yaml", data))
    before = snapshot(repo)
    team = data["teams"][-1]["name"]
    options = {k: v for k, v in service.items() if k != "name"}
    added = grow.add_service(repo, service["name"], team, **options)
    assert added.exit_code == 0
    assert snapshot(repo) != before
    assert_render_is_a_no_op(repo)  # the command rendered everything its change touches
    removed = grow.remove_service(repo, service["name"])
    assert removed.exit_code == 0
    assert snapshot(repo) == before


@SETTINGS
@given(data=answers(), name=st.sampled_from(["qa", "zz", "perf2"]))
def test_add_then_remove_an_environment_returns_the_same_bytes(
    tmp_path_factory: pytest.TempPathFactory, data: dict[str, Any], name: str
) -> None:
    assume(name not in {e["name"] for e in data["environments"]})
    tmp = tmp_path_factory.mktemp("envrm")
    repo = tmp / "repo"
    init_command.init(repo, write_answers(tmp / "answers.yaml", data))
    before = snapshot(repo)
    cluster = data["clusters"][0]["name"]
    added = grow.add_env(repo, name, cluster)
    assert added.exit_code == 0
    assert_render_is_a_no_op(repo)
    removed = grow.remove_env(repo, name)
    assert removed.exit_code == 0
    assert snapshot(repo) == before
