"""The `services` ApplicationSet expands to exactly the Applications it should, and the offline
engine (gitops_scaffold.validate.argo.expansion) expands ApplicationSets the way Argo CD does.

The first part writes each rendered repository to disk, expands bootstrap/root/service-apps.yaml
with the engine (Helm's Go templates) and checks every Application against the tree: its
project exists and permits it, its chart and values files exist, its sync policy follows its
environment. The engine's result is cross-checked with an independent pure-Python expansion.
The second part pins the engine's Argo CD semantics on small inline ApplicationSets.
"""

from __future__ import annotations

import copy
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from gitops_scaffold.context import resolve
from gitops_scaffold.model import Answers
from gitops_scaffold.render import flatten, render
from gitops_scaffold.validate.argo import gotemplate
from gitops_scaffold.validate.argo.common import ExpansionError
from gitops_scaffold.validate.argo.expansion import expand, generate_params
from tests.argocd_checks import (
    canonical,
    documents,
    naive_expand,
    project_permits,
    schema_errors,
)
from tests.helm_checks import write_tree
from tests.test_argocd_objects import ANSWERS

SERVICE_APPS = "bootstrap/root/service-apps.yaml"
FINALIZER = "resources-finalizer.argocd.argoproj.io"


@dataclass
class Expanded:
    name: str
    view: dict[str, Any]
    tree: dict[str, str]
    root: Path
    appset: dict[str, Any]
    apps: list[dict[str, Any]]

    def app(self, service: str, env: str) -> dict[str, Any]:
        (found,) = (a for a in self.apps if a["metadata"]["name"] == f"{service}-{env}")
        return found


def render_tree(data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    view = resolve(Answers.model_validate(data))
    return view, flatten(render(view))


@pytest.fixture(scope="module", params=sorted(ANSWERS))
def expanded(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Expanded:
    view, tree = render_tree(ANSWERS[request.param])
    root = write_tree(tree, tmp_path_factory.mktemp(request.param))
    (services,) = documents(tree, SERVICE_APPS)
    return Expanded(request.param, view, tree, root, services, expand(services, root))


# --- the services ApplicationSet --------------------------------------------------------------


def test_one_application_per_service_and_environment(expanded: Expanded) -> None:
    view = expanded.view
    names = [a["metadata"]["name"] for a in expanded.apps]
    expected = [f"{s['name']}-{e['name']}" for s in view["services"] for e in view["environments"]]
    assert sorted(names) == sorted(expected)
    assert len(names) == len(set(names))


def test_applications_are_valid_and_permitted(expanded: Expanded) -> None:
    view, tree = expanded.view, expanded.tree
    for service in view["services"]:
        for env in view["environments"]:
            app = expanded.app(service["name"], env["name"])
            assert schema_errors(app) == [], app["metadata"]["name"]
            project_name = f"{service['team']}-{env['name']}"
            assert app["spec"]["project"] == project_name
            project_path = f"projects/{project_name}.yaml"
            assert project_path in tree
            (project,) = documents(tree, project_path)
            assert project_permits(project, app) == [], app["metadata"]["name"]

            source = app["spec"]["source"]
            assert source["repoURL"] == view["repo"]["url"]
            assert source["targetRevision"] == view["repo"]["revision"]
            assert source["path"] == f"apps/services/{service['name']}"
            assert f"{source['path']}/Chart.yaml" in tree
            assert source["helm"]["valueFiles"] == ["values.yaml", f"values-{env['name']}.yaml"]
            for values in source["helm"]["valueFiles"]:
                assert f"{source['path']}/{values}" in tree
            assert app["spec"]["destination"] == {
                "server": env["server"],
                "namespace": service["namespaces"][env["name"]],
            }
            assert app["metadata"]["namespace"] == view["argocd"]["namespace"]


def test_sync_policy_follows_the_environment(expanded: Expanded) -> None:
    for service in expanded.view["services"]:
        for env in expanded.view["environments"]:
            policy = expanded.app(service["name"], env["name"])["spec"]["syncPolicy"]
            if env["production"] or not env["auto_sync"]:
                assert "automated" not in policy, (service["name"], env["name"])
            else:
                automated = policy["automated"]
                assert automated == {"prune": env["prune"], "selfHeal": env["self_heal"]}
                assert all(type(v) is bool for v in automated.values())
            assert policy["syncOptions"] == ["CreateNamespace=true", "ServerSideApply=true"]
            labels = policy["managedNamespaceMetadata"]["labels"]
            assert labels["pod-security.kubernetes.io/enforce"] == "restricted"
            assert labels["gitops-scaffold.io/team"] == service["team"]
            assert labels["gitops-scaffold.io/environment"] == env["name"]
            assert policy["retry"]["limit"] > 0
            assert policy["retry"]["backoff"]["factor"] == 2


def test_autoscaled_services_ignore_replicas(expanded: Expanded) -> None:
    for service in expanded.view["services"]:
        for env in expanded.view["environments"]:
            spec = expanded.app(service["name"], env["name"])["spec"]
            if service["autoscaling"]:
                assert spec["ignoreDifferences"] == [
                    {"group": "apps", "kind": "Deployment", "jsonPointers": ["/spec/replicas"]}
                ]
            else:
                assert "ignoreDifferences" not in spec


def test_labels_notifications_and_finalizer(expanded: Expanded) -> None:
    slack = (expanded.view["notifications"] or {}).get("slack")
    for service in expanded.view["services"]:
        for env in expanded.view["environments"]:
            metadata = expanded.app(service["name"], env["name"])["metadata"]
            assert metadata["labels"]["gitops-scaffold.io/service"] == service["name"]
            assert metadata["labels"]["gitops-scaffold.io/team"] == service["team"]
            assert metadata["labels"]["gitops-scaffold.io/environment"] == env["name"]
            assert metadata["finalizers"] == [FINALIZER]
            # Subscriptions are argocd/values.yaml's per-environment defaults, selected on the
            # environment label; annotations too would send each message twice.
            assert "annotations" not in metadata
    if slack:
        values = yaml.safe_load(expanded.tree["argocd/values.yaml"])["argo-cd"]["notifications"]
        selectors = {s["selector"] for s in values["subscriptions"]}
        assert selectors == {
            f"gitops-scaffold.io/environment={env['name']}" for env in expanded.view["environments"]
        }


def test_appset_follows_the_contract(expanded: Expanded) -> None:
    spec = expanded.appset["spec"]
    assert spec["goTemplate"] is True
    assert spec["goTemplateOptions"] == ["missingkey=error"]
    assert spec["syncPolicy"] == {"preserveResourcesOnDeletion": True}
    (generator,) = spec["generators"]
    children = generator["matrix"]["generators"]
    assert [next(iter(c)) for c in children] == ["git", "list"]
    elements = children[1]["list"]["elements"]
    assert [e["env"]["name"] for e in elements] == [e["name"] for e in expanded.view["environments"]]
    for element, env in zip(elements, expanded.view["environments"], strict=True):
        flags = ("production", "autoSync", "prune", "selfHeal", "imageUpdates")
        assert all(type(element["env"][f]) is bool for f in flags)
        assert element["env"]["imageUpdates"] is (env["name"] in expanded.view["image_update_targets"])
    # No boolean field of the template is a string: automated sync lives in templatePatch.
    assert "automated" not in spec["template"]["spec"]["syncPolicy"]
    assert "{{" in spec["templatePatch"]


def test_engine_agrees_with_a_naive_expansion(expanded: Expanded) -> None:
    naive = naive_expand(expanded.appset, expanded.root)
    assert canonical(sorted(naive, key=lambda a: a["metadata"]["name"])) == canonical(
        sorted(expanded.apps, key=lambda a: a["metadata"]["name"])
    )


def test_a_service_added_by_hand_is_picked_up(tmp_path: Path) -> None:
    view, tree = render_tree(ANSWERS["example"])
    root = write_tree(tree, tmp_path / "repo")
    shutil.copytree(root / "apps/services/payments", root / "apps/services/refunds")
    (root / "apps/services/refunds/service.yaml").write_text("team: payments\nautoscaling: false\n")
    # A directory without a descriptor is not a service; nested files are never descriptors.
    (root / "apps/services/docs").mkdir()
    (root / "apps/services/docs/README.md").write_text("notes\n")
    (root / "apps/services/refunds/ci").mkdir()
    (root / "apps/services/refunds/ci/service.yaml").write_text("not: a descriptor\n")
    (services,) = documents(tree, SERVICE_APPS)
    names = {a["metadata"]["name"] for a in expand(services, root)}
    envs = [e["name"] for e in view["environments"]]
    assert names == {f"{s}-{e}" for s in ("orders", "payments", "refunds") for e in envs}


def test_a_new_environment_appears(tmp_path: Path) -> None:
    data = copy.deepcopy(ANSWERS["example"])
    data["environments"].insert(2, {"name": "perf", "cluster": "dev", "auto_sync": True})
    _, tree = render_tree(data)
    root = write_tree(tree, tmp_path / "repo")
    (services,) = documents(tree, SERVICE_APPS)
    apps = {a["metadata"]["name"]: a for a in expand(services, root)}
    assert {"orders-perf", "payments-perf"} <= set(apps)
    assert apps["orders-perf"]["spec"]["destination"]["namespace"] == "orders-perf"
    assert apps["orders-perf"]["spec"]["project"] == "orders-perf"
    assert "projects/orders-perf.yaml" in tree


def test_helm_renders_in_batches(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = copy.deepcopy(ANSWERS["example"])
    data["services"] = [
        {
            "name": f"svc-{i:02d}",
            "team": "orders",
            "image": "ghcr.io/acme/svc",
            "tag": "v1.0.0",
            **({"autoscaling": {"min": 1, "max": 3}} if i % 2 else {}),
        }
        for i in range(40)
    ]
    _, tree = render_tree(data)
    root = write_tree(tree, tmp_path / "repo")
    (services,) = documents(tree, SERVICE_APPS)
    loops: list[int] = []
    real_loop = gotemplate._helm_loop

    def counting(values: Any, strict: bool) -> list[str] | None:
        loops.append(len(values["jobs"]))
        return real_loop(values, strict)

    monkeypatch.setattr(gotemplate, "_helm_loop", counting)
    monkeypatch.setattr(gotemplate, "JOBS_PER_LOOP", 100)
    monkeypatch.setattr(
        gotemplate, "_helm_render", lambda *args: pytest.fail("per-job templates without an error")
    )
    apps = expand(services, root)
    assert len(apps) == 40 * 3
    # Few calls (each one costs a chart load), none larger than the bound on its values.
    assert loops == [100, 20]


def test_a_failing_parameter_set_is_named(tmp_path: Path) -> None:
    """The looping render fails as a whole; the per-job render names the set that failed."""
    from gitops_scaffold.validate.argo.common import ExpansionError

    renderer = gotemplate.GoRenderer(strict=True, appset_name="services")
    jobs = [({"name": f"svc-{i}"}, ["{{ .name }}"]) for i in range(150)]
    jobs[120] = ({"other": "x"}, ["{{ .name }}"])
    with pytest.raises(ExpansionError, match=r"with parameters .*other") as caught:
        renderer.render(jobs)
    assert "svc-" not in str(caught.value)
    assert renderer.render(jobs[:3]) == [["svc-0"], ["svc-1"], ["svc-2"]]


# --- the engine's Argo CD semantics -----------------------------------------------------------


def make_appset(
    generators: list[dict[str, Any]],
    template: dict[str, Any] | None = None,
    **spec: Any,
) -> dict[str, Any]:
    template = template or {
        "metadata": {"name": "{{ .name }}"},
        "spec": {
            "project": "default",
            "source": {"repoURL": "https://example.com/repo.git", "path": "{{ .name }}"},
            "destination": {"server": "https://kubernetes.default.svc", "namespace": "{{ .name }}"},
        },
    }
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "ApplicationSet",
        "metadata": {"name": "test", "namespace": "argocd"},
        "spec": {
            "goTemplate": True,
            "goTemplateOptions": ["missingkey=error"],
            "generators": generators,
            "template": template,
            **spec,
        },
    }


def elements(*names: str, **extra: Any) -> dict[str, Any]:
    return {"list": {"elements": [{"name": n, **extra} for n in names]}}


def files(root: Path, content: dict[str, str]) -> Path:
    for rel, text in content.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    return root


def names(apps: list[dict[str, Any]]) -> list[str]:
    return [a["metadata"]["name"] for a in apps]


def test_real_go_templates_with_sprig(tmp_path: Path) -> None:
    template = {
        "metadata": {
            "name": '{{ .name | lower }}-{{ .index | printf "%03.0f" }}',
            "labels": {"{{ .labelKey }}": "{{ if .flag }}yes{{ else }}no{{ end }}"},
        },
        "spec": {"project": "{{ $.name | lower }}", "destination": {"namespace": "x"}},
    }
    appset_ = make_appset(
        [{"list": {"elements": [{"name": "Web", "index": 7, "flag": True, "labelKey": "tier"}]}}],
        template,
    )
    (app,) = expand(appset_, tmp_path)
    assert app["metadata"]["name"] == "web-007"
    assert app["metadata"]["labels"] == {"tier": "yes"}
    assert app["spec"]["project"] == "web"


def test_missing_key_is_an_error_only_with_missingkey_error(tmp_path: Path) -> None:
    template = {"metadata": {"name": "{{ .name }}{{ .suffix }}"}, "spec": {"project": "p"}}
    with pytest.raises(ExpansionError, match='map has no entry for key "suffix"'):
        expand(make_appset([elements("a")], template), tmp_path)
    lenient = make_appset([elements("a")], template, goTemplateOptions=[])
    assert names(expand(lenient, tmp_path)) == ["a"]


def test_template_patch_makes_real_booleans_and_keeps_the_project(tmp_path: Path) -> None:
    patch = (
        "spec:\n  project: elsewhere\n"
        "  {{- if .auto }}\n  syncPolicy:\n    automated:\n      prune: {{ .prune }}\n  {{- end }}\n"
        "metadata:\n  finalizers: [extra]\n"
    )
    template = {
        "metadata": {"name": "{{ .name }}", "finalizers": [FINALIZER]},
        "spec": {"project": "p", "syncPolicy": {"syncOptions": ["CreateNamespace=true"]}},
    }
    generator = {
        "list": {
            "elements": [
                {"name": "on", "auto": True, "prune": False},
                {"name": "off", "auto": False, "prune": True},
            ]
        }
    }
    on, off = expand(make_appset([generator], template, templatePatch=patch), tmp_path)
    assert on["spec"]["syncPolicy"] == {
        "syncOptions": ["CreateNamespace=true"],
        "automated": {"prune": False},
    }
    assert on["spec"]["syncPolicy"]["automated"]["prune"] is False
    assert "automated" not in off["spec"]["syncPolicy"]
    # Argo CD restores the project; metadata.finalizers is a merge list.
    assert on["spec"]["project"] == off["spec"]["project"] == "p"
    assert on["metadata"]["finalizers"] == [FINALIZER, "extra"]


def test_template_patch_lists_replace_and_null_deletes(tmp_path: Path) -> None:
    template = {
        "metadata": {"name": "{{ .name }}"},
        "spec": {"project": "p", "ignoreDifferences": [{"kind": "A"}], "info": [{"name": "a", "value": "b"}]},
    }
    patch = '{"spec": {"ignoreDifferences": [{"kind": "B"}], "info": null}}'
    (app,) = expand(make_appset([elements("x")], template, templatePatch=patch), tmp_path)
    assert app["spec"] == {"project": "p", "ignoreDifferences": [{"kind": "B"}]}


def test_default_finalizer(tmp_path: Path) -> None:
    plain = make_appset([elements("a")])
    assert expand(plain, tmp_path)[0]["metadata"]["finalizers"] == [FINALIZER]
    preserved = make_appset([elements("a")], syncPolicy={"preserveResourcesOnDeletion": True})
    assert "finalizers" not in expand(preserved, tmp_path)[0]["metadata"]


def test_matrix_second_child_uses_the_first_childs_params(tmp_path: Path) -> None:
    root = files(
        tmp_path,
        {
            "clusters/eu/config.yaml": "region: eu-west-1\n",
            "clusters/us/config.yaml": "region: us-east-1\n",
            "clusters/.hidden/config.yaml": "region: nowhere\n",
            "apps/web/eu.yaml": "replicas: 2\n",
            "apps/web/us.yaml": "replicas: 5\n",
            "apps/api/eu.yaml": "replicas: 1\n",
        },
    )
    generator = {
        "matrix": {
            "generators": [
                {"git": {"repoURL": "r", "revision": "HEAD", "directories": [{"path": "clusters/*"}]}},
                {
                    "git": {
                        "repoURL": "r",
                        "revision": "HEAD",
                        "files": [{"path": "apps/*/{{ .path.basename }}.yaml"}],
                        "pathParamPrefix": "app",
                    }
                },
            ]
        }
    }
    template = {
        "metadata": {"name": "{{ .app.path.basename }}-{{ .path.basename }}"},
        "spec": {
            "project": "p",
            "source": {"path": "{{ .app.path.path }}"},
            "destination": {"namespace": "r{{ .replicas }}"},
        },
    }
    apps = expand(make_appset([generator], template), root)
    assert names(apps) == ["api-eu", "web-eu", "web-us"]
    assert [a["spec"]["destination"]["namespace"] for a in apps] == ["r1", "r2", "r5"]
    assert apps[0]["spec"]["source"]["path"] == "apps/api"


def test_matrix_takes_exactly_two_children(tmp_path: Path) -> None:
    three = {"matrix": {"generators": [elements("a"), elements("b"), elements("c")]}}
    with pytest.raises(ExpansionError, match="exactly two"):
        expand(make_appset([three]), tmp_path)


def test_matrix_first_childs_values_win(tmp_path: Path) -> None:
    generator = {
        "matrix": {
            "generators": [
                {"list": {"elements": [{"name": "a", "env": {"name": "x"}}]}},
                {"list": {"elements": [{"name": "b", "env": {"name": "y", "extra": "z"}}]}},
            ]
        }
    }
    (params,) = generate_params(make_appset([generator]), tmp_path)
    assert params == {"name": "a", "env": {"name": "x", "extra": "z"}}


def test_merge_generator(tmp_path: Path) -> None:
    generator = {
        "merge": {
            "mergeKeys": ["name"],
            "generators": [
                {"list": {"elements": [{"name": "a", "size": "s"}, {"name": "b", "size": "s"}]}},
                {"list": {"elements": [{"name": "b", "size": "xl"}, {"name": "c", "size": "m"}]}},
            ],
        }
    }
    params = generate_params(make_appset([generator]), tmp_path)
    assert params == [{"name": "a", "size": "s"}, {"name": "b", "size": "xl"}]


def test_selector(tmp_path: Path) -> None:
    generator = {
        **elements("a", "b", "c"),
        "selector": {"matchExpressions": [{"key": "name", "operator": "NotIn", "values": ["b"]}]},
    }
    assert names(expand(make_appset([generator]), tmp_path)) == ["a", "c"]


def test_fasttemplate_mode(tmp_path: Path) -> None:
    root = files(tmp_path, {"envs/dev/config.json": '{"cluster": {"server": "https://dev"}}'})
    generator = {"git": {"repoURL": "r", "revision": "HEAD", "files": [{"path": "envs/*/config.json"}]}}
    template = {
        "metadata": {"name": "{{path.basename}}-{{ path[0] }}"},
        "spec": {"project": "p", "destination": {"server": "{{cluster.server}}", "namespace": "{{unknown}}"}},
    }
    appset_ = make_appset([generator], template, goTemplate=False, goTemplateOptions=[])
    (app,) = expand(appset_, root)
    assert app["metadata"]["name"] == "dev-envs"
    assert app["spec"]["destination"] == {"server": "https://dev", "namespace": "{{unknown}}"}


def test_git_files_match_like_argo_cd(tmp_path: Path) -> None:
    root = files(
        tmp_path,
        {
            "apps/a/service.yaml": "x: 1\n",
            "apps/a/templates/service.yaml": "{{- /* a chart template */}}\n",
            "apps/b/service.yaml": "x: 2\n",
        },
    )
    generator = {"git": {"repoURL": "r", "revision": "HEAD", "files": [{"path": "apps/*/service.yaml"}]}}
    template = {"metadata": {"name": "{{ .path.basename }}"}, "spec": {"project": "p"}}
    # `git ls-files` pathspecs: `*` crosses `/`, so the chart template is read too and fails.
    with pytest.raises(ExpansionError, match=r"apps/a/templates/service\.yaml"):
        expand(make_appset([generator], template), root)
    assert names(expand(make_appset([generator], template), root, git_file_globbing="doublestar")) == [
        "a",
        "b",
    ]
    generator["git"]["files"].append({"path": "apps/*/*/*", "exclude": True})
    assert names(expand(make_appset([generator], template), root)) == ["a", "b"]


def test_file_values_keep_go_types(tmp_path: Path) -> None:
    # sigs.k8s.io/yaml: YAML 1.1 booleans, timestamps left as strings, keys made strings.
    root = files(tmp_path, {"svc/x/service.yaml": "day: 2024-01-31\nport: 8080\nhpa: yes\non: 1\n"})
    generator = {"git": {"repoURL": "r", "revision": "HEAD", "files": [{"path": "svc/*/service.yaml"}]}}
    (params,) = generate_params(make_appset([generator]), root)
    assert params["day"] == "2024-01-31"
    assert params["port"] == 8080
    assert params["hpa"] is True
    assert params["true"] == 1
    assert params["path"]["segments"] == ["svc", "x"]


def test_function_only_one_engine_has_is_refused(tmp_path: Path) -> None:
    for expression in ('{{ include "x" . }}', "{{ .name | normalize }}"):
        template = {"metadata": {"name": expression}, "spec": {"project": "p"}}
        with pytest.raises(ExpansionError, match="template functions"):
            expand(make_appset([elements("a")], template), tmp_path)


def test_duplicate_application_names(tmp_path: Path) -> None:
    with pytest.raises(ExpansionError, match="duplicate names: a"):
        expand(make_appset([elements("a", "a")]), tmp_path)


def test_generators_that_need_a_live_argo_cd(tmp_path: Path) -> None:
    with pytest.raises(ExpansionError, match="scmProvider generator needs a running Argo CD"):
        expand(make_appset([{"scmProvider": {}}]), tmp_path)


def test_without_helm_python_the_error_says_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "helm_python", None)
    with pytest.raises(ExpansionError, match="helm-python-sdk"):
        expand(make_appset([elements("a")]), tmp_path)


def test_a_generators_own_template_wins_field_by_field(tmp_path: Path) -> None:
    generator = {
        "list": {
            "elements": [{"name": "a"}],
            "template": {"metadata": {"name": "own-{{ .name }}"}, "spec": {"project": ""}},
        }
    }
    (app,) = expand(make_appset([generator]), tmp_path)
    assert app["metadata"]["name"] == "own-a"
    assert app["spec"]["project"] == "default"
    assert app["spec"]["destination"]["namespace"] == "a"


def test_git_directories(tmp_path: Path) -> None:
    root = files(
        tmp_path,
        {
            "apps/a/x.yaml": "",
            "apps/b/x.yaml": "",
            "apps/b/deep/x.yaml": "",
            "apps/skip/x.yaml": "",
            "apps/.git-like/x.yaml": "",
        },
    )
    (root / "apps/empty").mkdir()
    generator = {
        "git": {
            "repoURL": "r",
            "revision": "HEAD",
            "directories": [{"path": "apps/*"}, {"path": "apps/skip", "exclude": True}],
        }
    }
    template = {
        "metadata": {"name": "{{ .path.basename }}"},
        "spec": {"project": "p", "source": {"path": "{{ .path.path }}"}},
    }
    apps = expand(make_appset([generator], template), root)
    assert names(apps) == ["a", "b"]


JOINABLE_AND_NOT = [
    "{{ .name }}",
    "  {{- .name -}}  ",
    "plain text",
    '{{ .name }}\n{{- if eq .env "prod" }} yes{{ end }}\n',
    '{{ printf "%s}}" .name }}',  # a quoted }} inside an action
    "{{/* a comment */}}{{ .env }}",
    "{{ $n := .name }}{{ $n }}-x",  # a variable: rendered one string per call
    "{{ range $i, $e := .list }}{{ $i }}={{ $e }} {{ end }}",
    '{{ .missing | default "d" }}',
]


@pytest.mark.parametrize("strict", [False, True])
def test_joined_strings_render_as_one_call_each(strict: bool) -> None:
    """A job's strings joined into one `tpl` call give what one call per string gives."""
    renderer = gotemplate.GoRenderer(strict=strict, appset_name="services")
    strings = [s for s in JOINABLE_AND_NOT if not (strict and ".missing" in s)]
    jobs = [
        ({"name": f"svc-{i}", "env": "prod" if i % 2 else "dev", "list": ["a", "b"]}, strings)
        for i in range(5)
    ]
    jobs.append(({"name": "none"}, []))
    one_each = [
        x
        for start in range(0, len(jobs), 100)
        for x in renderer._render_batch(jobs[start : start + 100], "t")
    ]
    assert renderer.render(jobs) == one_each
    joinable = [s for s in strings if not gotemplate._scoped(s)]
    assert 0 < len(joinable) < len(strings)
    joined_jobs = [(params, [s for s in own if s in joinable]) for params, own in jobs]
    expected = [
        [value for value, text in zip(row, own, strict=True) if text in joinable]
        for row, (_, own) in zip(one_each, jobs, strict=True)
    ]
    assert renderer._render_joined(joined_jobs, "t") == expected


def test_what_cannot_be_joined_is_not() -> None:
    assert gotemplate._scoped("{{ $x := 1 }}")
    assert gotemplate._scoped('{{ define "x" }}y{{ end }}')
    assert gotemplate._scoped("{{ .open")
    assert gotemplate._scoped('{{ "}}')
    assert not gotemplate._scoped('{{ "$ not a variable" }}{{ .a }}')
    renderer = gotemplate.GoRenderer(strict=False, appset_name="services")
    held = [({"name": gotemplate._SEPARATOR}, ["{{ .name }}", "x"])]
    assert renderer._render_joined(held, "t") is None  # a parameter held the separator
    assert renderer.render(held) == [[gotemplate._SEPARATOR, "x"]]
