#!/usr/bin/env python3
"""Time and peak memory of scaffold's commands at 5, 50 and 500 services x 4 environments.

Every measurement is a fresh process: the real command line (``python -m gitops_scaffold``)
started from a small wrapper that times it and reads its peak resident memory with
``getrusage(RUSAGE_CHILDREN)``. The baselines run in the same way and in the same run, so the
ratios compare like with like on this machine:

- ``copier copy``: Copier's own API copying every template-set instance (the same sets, with
  the data `scaffold data` gives) into one folder, in one process (kinder to Copier than one
  ``copier copy`` process per instance);
- a plain Python script that writes exactly the files ``init`` writes (no templates, no
  checks, no journal): the floor for writing that many files.

Usage::

    python benchmarks/run.py            # 5, 50, 500 services; 3 runs each (median)
    python benchmarks/run.py --quick    # 5 and 50 services; one run each
    python benchmarks/run.py --json results.json

Only the standard library and the package are needed (Copier for its baseline; Helm for
``validate``'s chart rendering when installed).
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
ENVIRONMENTS = ("dev", "qa", "staging", "prod")
TEAMS = ("platform", "orders", "payments", "search", "growth")

# Runs a command and prints its wall time and peak RSS (KiB) as JSON; started fresh for every
# measurement, so RUSAGE_CHILDREN holds exactly that one command.
_MEASURE = textwrap.dedent(
    """
    import json, resource, subprocess, sys, time
    started = time.perf_counter()
    done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)  # the command and every process it waited for
    peak, cpu = usage.ru_maxrss, usage.ru_utime + usage.ru_stime
    tail = done.stderr[-2000:]
    print(json.dumps({"wall": wall, "cpu": cpu, "peak_kib": peak, "code": done.returncode, "stderr": tail}))
    """
)

# The Copier baseline: every instance of every set, from precomputed data, into one folder.
_COPIER = textwrap.dedent(
    """
    import json, sys
    import copier
    templates, dest, data_file = sys.argv[1:4]
    for set_name, data in json.load(open(data_file)):
        copier.run_copy(f"{templates}/{set_name}", dest, data=data, defaults=True, unsafe=True,
                        quiet=True, overwrite=True, vcs_ref=None)
    """
)

# The plain-Python baseline: write the same files init writes, from one JSON of {path: text}.
_PLAIN = textwrap.dedent(
    """
    import json, os, sys
    dest, tree_file = sys.argv[1:3]
    for path, text in json.load(open(tree_file)).items():
        target = os.path.join(dest, path)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
    """
)

# The floor for validate: real Helm rendering every chart x environment once, in one process,
# nothing else (no lint, no parsing, no checks). The values are layered as Argo CD layers the
# generated Applications' valueFiles: values.yaml, then values-<env>.yaml.
_FLOOR = textwrap.dedent(
    """
    import pathlib, sys, yaml, helm_python
    def coalesce(base, over):
        out = dict(base)
        for k, v in over.items():
            if v is None: out.pop(k, None)
            elif isinstance(v, dict) and isinstance(out.get(k), dict): out[k] = coalesce(out[k], v)
            else: out[k] = v
        return out
    renders = 0
    for chart in sorted(pathlib.Path(sys.argv[1], "apps", "services").iterdir()):
        base = yaml.safe_load((chart / "values.yaml").read_text()) or {}
        for env_file in sorted(chart.glob("values-*.yaml")):
            values = coalesce(base, yaml.safe_load(env_file.read_text()) or {})
            release = f"{chart.name}-{env_file.stem[len('values-'):]}"
            with helm_python.Chart.load(chart) as loaded:
                loaded.render(values, name=release, namespace=release)
            renders += 1
    print(renders)
    """
)

# What `scaffold --help` imports (heavy modules must stay out).
_HELP_IMPORTS = textwrap.dedent(
    """
    import sys
    from gitops_scaffold.cli import app
    try:
        app(["--help"], prog_name="scaffold")
    except SystemExit:
        pass
    heavy = ("jinja2", "copier", "helm_python", "pydantic", "yaml", "jsonschema")
    print("HEAVY:" + ",".join(m for m in heavy if m in sys.modules))
    """
)


@dataclass
class Measure:
    wall: list[float] = field(default_factory=list)
    peak_kib: list[int] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)

    @property
    def seconds(self) -> float:
        return statistics.median(self.wall)

    @property
    def cpu_per_wall(self) -> float:
        return statistics.median(c / w for c, w in zip(self.cpu, self.wall, strict=True)) if self.cpu else 0.0

    @property
    def peak_mib(self) -> float:
        return max(self.peak_kib) / 1024


def answers_text(services: int) -> str:
    """An answers file with ``services`` services, 4 environments on 2 clusters, 5 teams."""
    lines = [
        "version: 1",
        "repo:",
        "  url: https://github.com/acme/gitops-config",
        "argocd:",
        "  domain: argocd.internal.acme.com",
        "  sso: {name: Okta, issuer: 'https://acme.okta.com', client_id: argocd}",
        "clusters:",
        "  - {name: nonprod, server: 'https://kubernetes.default.svc'}",
        "  - name: prod",
        "    server: https://prod.eks.acme.com",
        "    eks: {cluster_name: prod-eks, role_arn: 'arn:aws:iam::123456789012:role/argocd'}",
        "environments:",
    ]
    for env in ENVIRONMENTS:
        cluster = "prod" if env == "prod" else "nonprod"
        lines.append(f"  - {{name: {env}, cluster: {cluster}}}")
    lines.append("teams:")
    lines += [f"  - {{name: {team}, groups: [{team}-team]}}" for team in TEAMS]
    lines.append("services:")
    for number in range(services):
        name = f"svc{number:03d}"
        lines += [
            f"  - name: {name}",
            f"    team: {TEAMS[number % len(TEAMS)]}",
            f"    image: 123456789012.dkr.ecr.eu-west-1.amazonaws.com/{name}",
            f"    tag: v1.{number}.0",
        ]
        if number % 3 == 0:
            lines.append("    autoscaling: {min: 2, max: 10}")
        if number % 4 == 0:
            lines.append("    migrations: {command: [./manage.py, migrate]}")
        if number % 5 == 0:
            # the three non-production environments share a cluster: each gets its own host
            hosts = ", ".join(f"{env}: {name}.{env}.apps.acme.com" for env in ENVIRONMENTS if env != "prod")
            lines.append(f"    ingress: {{host: {name}.apps.acme.com, hosts: {{{hosts}}}}}")
        if number % 7 == 0:
            lines.append(f"    database_secret: prod/{name}/db")
    lines += [
        "notifications:",
        "  slack: {deployments: deployments, alerts: platform-alerts}",
        "image_updater:",
        "  registry: 123456789012.dkr.ecr.eu-west-1.amazonaws.com",
    ]
    return "\n".join(lines) + "\n"


class Bench:
    def __init__(self, work: Path, runs: int) -> None:
        self.work = work
        self.runs = runs
        self.env = {**os.environ, "PYTHONPATH": str(ROOT)}
        self.scaffold = [sys.executable, "-m", "gitops_scaffold"]

    def measure(
        self,
        argv: list[str],
        cwd: Path | None = None,
        ok: tuple[int, ...] = (0,),
        env: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        done = subprocess.run(
            [sys.executable, "-c", _MEASURE, *argv],
            capture_output=True,
            text=True,
            check=True,
            cwd=cwd,
            env={**self.env, **(env or {})},
        )
        result: dict[str, Any] = json.loads(done.stdout)
        if result["code"] not in ok:
            raise SystemExit(f"{' '.join(argv)} exited {result['code']}:\n{result['stderr']}")
        return result

    def repeat(
        self,
        runs: int,
        prepare: Any,
        argv_of: Any,
        ok: tuple[int, ...] = (0,),
        env_of: Any = None,
    ) -> Measure:
        measure = Measure()
        for run in range(runs):
            target = prepare(run)
            env = env_of(run) if env_of else None
            result = self.measure(argv_of(target), ok=ok, env=env)
            measure.wall.append(result["wall"])
            measure.peak_kib.append(result["peak_kib"])
            measure.cpu.append(result["cpu"])
        return measure

    def fresh_copy(self, source: Path, name: str) -> Path:
        target = self.work / name
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(source, target, symlinks=True)
        return target


def instance_data(answers: Path) -> list[tuple[str, Any]]:
    from gitops_scaffold import answers as answers_file
    from gitops_scaffold.context import resolve
    from gitops_scaffold.render import instances

    _, loaded = answers_file.load(answers)
    return [(i.set_name, i.data) for i in instances(resolve(loaded))]


def tree_of(repo: Path) -> dict[str, str]:
    return {
        p.relative_to(repo).as_posix(): p.read_text(encoding="utf-8")
        for p in sorted(repo.rglob("*"))
        if p.is_file() and ".git" not in p.relative_to(repo).parts
    }


def has_command(bench: Bench, name: str) -> bool:
    done = subprocess.run([*bench.scaffold, name, "--help"], capture_output=True, env=bench.env, check=False)
    return done.returncode == 0


RENDERS_CACHED = "validate (renders cached, README edited)"


def bench_validate(bench: Bench, repo: Path, size: Path) -> dict[str, Measure]:
    """validate cold and warm, --no-helm, preview and the floor, in one run on one repo."""
    runs = bench.runs
    rows: dict[str, Measure] = {}
    caches = size / "caches"

    def cold_cache(run: int) -> dict[str, str]:
        folder = caches / f"cold-{run}"
        shutil.rmtree(folder, ignore_errors=True)
        return {"SCAFFOLD_CACHE_DIR": str(folder)}

    validate = [*bench.scaffold, "validate", str(repo)]
    # exit 1 would mean findings: still a complete run, and the time is what we want.
    rows["validate (cold cache)"] = bench.repeat(
        runs, lambda r: repo, lambda d: validate, ok=(0, 1), env_of=cold_cache
    )
    rows["validate (warm cache)"] = bench.repeat(
        runs,
        lambda r: repo,
        lambda d: validate,
        ok=(0, 1),
        env_of=lambda r: {"SCAFFOLD_CACHE_DIR": str(caches / "cold-0")},
    )
    def touch_readme(run: int) -> Path:
        # A change no chart reads: the report is worked out again, every render from the cache.
        readme = repo / "README.md"
        readme.write_text(readme.read_text(encoding="utf-8") + "\n", encoding="utf-8")
        return repo

    rows[RENDERS_CACHED] = bench.repeat(
        runs,
        touch_readme,
        lambda d: validate,
        ok=(0, 1),
        env_of=lambda r: {"SCAFFOLD_CACHE_DIR": str(caches / "cold-0")},
    )
    rows["validate --no-helm"] = bench.repeat(
        # --no-cache: the whole work without Helm, not the report of the run before
        runs, lambda r: repo, lambda d: [*validate, "--no-helm", "--no-cache"], ok=(0, 1)
    )
    rows["preview"] = bench.repeat(runs, lambda r: repo, lambda d: [*bench.scaffold, "preview", str(d)])
    rows["floor: one Helm render per chart x env"] = bench.repeat(
        runs, lambda r: repo, lambda d: [sys.executable, "-c", _FLOOR, str(d)]
    )
    shutil.rmtree(caches, ignore_errors=True)
    return rows


def bench_size(
    bench: Bench, services: int, with_validate: bool, only_validate: bool = False
) -> dict[str, Any]:
    from gitops_scaffold.render import TEMPLATES_DIR

    size = bench.work / f"n{services}"
    size.mkdir()
    answers = size / "answers.yaml"
    answers.write_text(answers_text(services), encoding="utf-8")
    runs = bench.runs
    rows: dict[str, Measure] = {}

    def new_dest(run: int) -> Path:
        dest = size / f"init-{run}"
        shutil.rmtree(dest, ignore_errors=True)
        return dest

    rows["init"] = bench.repeat(
        1 if only_validate else runs,
        new_dest,
        lambda d: [*bench.scaffold, "init", str(d), "--answers", str(answers), "-q"],
    )
    repo = size / "init-0"
    subprocess.run(["git", "add", "-A"], cwd=repo, check=True, capture_output=True)
    subprocess.run(
        ["git", "-c", "user.name=b", "-c", "user.email=b@x", "commit", "-qm", "init"], cwd=repo, check=True
    )
    files = len(tree_of(repo))
    applications = services * len(ENVIRONMENTS)
    if only_validate:
        rows |= bench_validate(bench, repo, size)
        return {
            "services": services,
            "files": files,
            "applications": applications,
            "rows": {
                k: asdict(v) | {"seconds": v.seconds, "peak_mib": v.peak_mib, "cpu_per_wall": v.cpu_per_wall}
                for k, v in rows.items()
            },
        }
    rows["add-service"] = bench.repeat(
        runs,
        lambda r: bench.fresh_copy(repo, "grow"),
        lambda d: [
            *bench.scaffold,
            "add-service",
            "newsvc",
            "--team",
            "orders",
            "--autoscale",
            "2:6",
            "-q",
            "-C",
            str(d),
        ],
    )
    rows["add-env"] = bench.repeat(
        runs,
        lambda r: bench.fresh_copy(repo, "grow"),
        lambda d: [
            *bench.scaffold,
            "add-env",
            "perf",
            "--cluster",
            "nonprod",
            "--after",
            "qa",
            "-q",
            "-C",
            str(d),
        ],
    )
    rows["render (no-op)"] = bench.repeat(
        runs, lambda r: repo, lambda d: [*bench.scaffold, "render", "-q", "-C", str(d)]
    )
    if with_validate:
        rows |= bench_validate(bench, repo, size)
    data_file = size / "instances.json"
    data = instance_data(answers)
    data_file.write_text(json.dumps(data), encoding="utf-8")
    copier_runs = 1 if services >= 500 else runs
    rows["baseline: copier copy"] = bench.repeat(
        copier_runs,
        new_dest,
        lambda d: [sys.executable, "-c", _COPIER, str(TEMPLATES_DIR), str(d), str(data_file)],
    )
    tree_file = size / "tree.json"
    tree_file.write_text(json.dumps(tree_of(repo)), encoding="utf-8")
    rows["baseline: plain Python writes"] = bench.repeat(
        runs, new_dest, lambda d: [sys.executable, "-c", _PLAIN, str(d), str(tree_file)]
    )
    return {
        "services": services,
        "files": files,
        "instances": len(data),
        "applications": applications,
        "rows": {
            k: asdict(v) | {"seconds": v.seconds, "peak_mib": v.peak_mib, "cpu_per_wall": v.cpu_per_wall}
            for k, v in rows.items()
        },
    }


def help_check(bench: Bench) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, "-c", _HELP_IMPORTS], capture_output=True, text=True, check=True, env=bench.env
    ).stdout
    heavy = out.rsplit("HEAVY:", 1)[1].strip()
    timing = bench.repeat(max(bench.runs, 3), lambda r: None, lambda _: [*bench.scaffold, "--help"])
    return {
        "heavy_imports": heavy.split(",") if heavy else [],
        "seconds": timing.seconds,
        "peak_mib": timing.peak_mib,
    }


def report(results: dict[str, Any]) -> str:
    out: list[str] = []
    help_ = results["help"]
    out.append(
        f"scaffold --help: {help_['seconds'] * 1000:.0f} ms, {help_['peak_mib']:.0f} MiB; "
        f"heavy modules imported: {', '.join(help_['heavy_imports']) or 'none'}"
    )
    sizes = results["sizes"]
    names = list(dict.fromkeys(name for s in sizes for name in s["rows"]))
    width = 40
    header = f"{'':{width}}" + "".join(f"{s['services']:>12} svc {'':15}" for s in sizes)
    out += ["", header, f"{'':{width}}" + "".join(f"{'time':>11} {'cpu/wall':>8} {'peak':>9}" for _ in sizes)]
    for name in names:
        cells = "".join(
            f"{s['rows'][name]['seconds']:>10.2f}s {s['rows'][name]['cpu_per_wall']:>8.2f} "
            f"{s['rows'][name]['peak_mib']:>6.0f}MiB"
            if name in s["rows"]
            else f"{'-':>30}"
            for s in sizes
        )
        out.append(f"{name:{width}}{cells}")
    out.append(f"{'files written by init':{width}}" + "".join(f"{s['files']:>30}" for s in sizes))
    out.append("")
    out.append("Targets:")
    light = not set(help_["heavy_imports"]) & {"jinja2", "copier", "helm_python"}
    out.append(f"  --help imports no Jinja, Copier or Helm: {'yes' if light else 'NO'}")
    out += _write_targets(sizes) + _validate_targets(sizes)
    return "\n".join(out)


def _write_targets(sizes: list[dict[str, Any]]) -> list[str]:
    out = []
    if "baseline: copier copy" not in sizes[0]["rows"]:
        return out
    for s in sizes:
        rows = s["rows"]
        ratio = rows["baseline: copier copy"]["seconds"] / rows["init"]["seconds"]
        floor = rows["init"]["seconds"] / rows["baseline: plain Python writes"]["seconds"]
        out.append(
            f"  {s['services']:>3} services: init is {ratio:.1f}x faster than copier copy "
            f"(target >= 2x: {'met' if ratio >= 2 else 'MISSED'}); {floor:.1f}x the plain-write floor"
        )
    small, large = sizes[0]["rows"], sizes[-1]["rows"]
    growth = large["add-service"]["seconds"] / small["add-service"]["seconds"]
    out.append(
        f"  add-service at {sizes[-1]['services']} vs {sizes[0]['services']} services: {growth:.2f}x "
        f"(target <= 2x: {'met' if growth <= 2 else 'MISSED'})"
    )
    return out


def _validate_targets(sizes: list[dict[str, Any]]) -> list[str]:
    """Issue 15's targets, as ratios within this one run."""
    cold, warm, floor = (
        "validate (cold cache)",
        "validate (warm cache)",
        "floor: one Helm render per chart x env",
    )
    out: list[str] = []
    if cold not in sizes[0]["rows"]:
        return out
    for s in sizes:
        rows = s["rows"]
        to_floor = rows[cold]["seconds"] / rows[floor]["seconds"]
        warm_ratio = rows[warm]["seconds"] / rows[cold]["seconds"]
        parallel = rows[cold]["cpu_per_wall"]
        big = s["services"] >= 200
        # CPU seconds are less skewed than wall time on a machine shared with other work.
        cpu_ratio = (rows[cold]["seconds"] * parallel) / (
            rows[floor]["seconds"] * rows[floor]["cpu_per_wall"]
        )
        out.append(
            f"  {s['services']:>3} services: cold validate {to_floor:.2f}x the floor "
            f"({cpu_ratio:.2f}x its CPU time)"
            + (f" (target <= 1.5x: {'met' if to_floor <= 1.5 else 'MISSED'})" if big else "")
            + f", cpu/wall {parallel:.2f}"
            + (f" (target >= 1.6: {'met' if parallel >= 1.6 else 'MISSED'})" if big else "")
            + f"; warm {warm_ratio:.2f}x cold"
            + (
                f", renders cached {rows[RENDERS_CACHED]['seconds'] / rows[cold]['seconds']:.2f}x cold"
                if RENDERS_CACHED in rows
                else ""
            )
            + (
                f" (target <= 0.15x: {'met' if warm_ratio <= 0.15 else 'MISSED'})"
                if s["services"] >= 500
                else ""
            )
        )
    per_app = {s["services"]: s["rows"][cold]["seconds"] / s["applications"] * 1000 for s in sizes}
    out.append(
        "  cold validate, ms per Application: " + ", ".join(f"{n}: {x:.1f}" for n, x in per_app.items())
    )
    if 50 in per_app and max(per_app) > 50:
        growth = per_app[max(per_app)] / per_app[50]
        out.append(
            f"  per-Application cost at {max(per_app)} vs 50 services: {growth:.2f}x "
            f"(target <= 1.2x: {'met' if growth <= 1.2 else 'MISSED'})"
        )
    for name in (cold, "validate --no-helm"):
        marginal = [
            (b["rows"][name]["seconds"] - a["rows"][name]["seconds"])
            / (b["applications"] - a["applications"])
            * 1000
            for a, b in itertools.pairwise(sizes)
        ]
        if marginal:
            out.append(
                f"  {name}: marginal ms per added Application {', '.join(f'{x:.1f}' for x in marginal)}"
            )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="5 and 50 services, one run each")
    parser.add_argument("--sizes", type=int, nargs="*", help="service counts (default 5 50 500)")
    parser.add_argument("--runs", type=int, help="runs per measurement (median; default 3, 1 with --quick)")
    parser.add_argument("--no-validate", action="store_true", help="skip scaffold validate")
    parser.add_argument(
        "--validate-only",
        action="store_true",
        help="only validate (cold, warm, --no-helm), preview and the Helm floor (init once, no baselines)",
    )
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    args = parser.parse_args()
    sizes = args.sizes or ([5, 50] if args.quick else [5, 50, 500])
    runs = args.runs or (1 if args.quick else 3)
    sys.path.insert(0, str(ROOT))
    work = Path(tempfile.mkdtemp(prefix="scaffold-bench-"))
    try:
        bench = Bench(work, runs)
        with_validate = not args.no_validate and has_command(bench, "validate")
        results = {
            "python": sys.version.split()[0],
            "cpus": os.cpu_count(),
            "runs": runs,
            "help": help_check(bench),
            "sizes": [bench_size(bench, n, with_validate, args.validate_only) for n in sizes],
        }
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    print(report(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
