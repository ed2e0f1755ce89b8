#!/usr/bin/env python3
"""Time `scaffold diff` against `scaffold validate --no-helm` on the same repository.

Two figures, each a fresh process measured like benchmarks/run.py does (wall time, peak RSS):

- **one values file**: at N services x 4 environments, the image tag of one service in one
  environment changed in the work tree; `scaffold diff` (base HEAD, head the work tree) against
  `scaffold validate --no-helm` of the same repository. Target: at most 2x.
- **every Application**: a label added to the services ApplicationSet's template, so every
  generated Application changes and is rendered at both revisions; the cost per Application at
  each size should stay flat (linear in the number of Applications).

Usage::

    python benchmarks/diff.py                        # one values file at 500; every app at 5, 25
    python benchmarks/diff.py --one 50 --every 5 10  # smaller
    python benchmarks/diff.py --json diff.json
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import ENVIRONMENTS, Bench, Measure, answers_text

APPSET = "bootstrap/root/service-apps.yaml"
TEMPLATE_LABEL = "        app.kubernetes.io/part-of: gitops-scaffold\n"


def scaffolded(bench: Bench, services: int, case: str) -> Path:
    """A committed repository with ``services`` services x 4 environments."""
    size = bench.work / f"{case}-{services}"
    size.mkdir(parents=True, exist_ok=True)
    answers = size / "scaffold.yaml"
    answers.write_text(answers_text(services), encoding="utf-8")
    repo = size / "repo"
    done = bench.measure([*bench.scaffold, "init", str(repo), "--answers", str(answers), "--commit", "-q"])
    assert done["code"] == 0
    return repo


def one_values_file(bench: Bench, services: int) -> dict[str, Any]:
    repo = scaffolded(bench, services, "one")
    validate = bench.repeat(
        bench.runs, lambda _: repo, lambda r: [*bench.scaffold, "validate", str(r), "--no-helm"], ok=(0, 1)
    )
    values = repo / "apps/services/svc000/values-dev.yaml"
    values.write_text(
        values.read_text(encoding="utf-8").replace('tag: "v1.0.0"', 'tag: "v1.0.1"'), encoding="utf-8"
    )
    diff = bench.repeat(bench.runs, lambda _: repo, lambda r: [*bench.scaffold, "diff", str(r), "-q"])
    return {
        "services": services,
        "applications": services * len(ENVIRONMENTS),
        "validate --no-helm": _row(validate),
        "diff (one values file)": _row(diff),
        "ratio": diff.seconds / validate.seconds,
    }


def every_application(bench: Bench, services: int) -> dict[str, Any]:
    repo = scaffolded(bench, services, "every")
    appset = repo / APPSET
    text = appset.read_text(encoding="utf-8")
    assert TEMPLATE_LABEL in text, f"{APPSET} changed: update TEMPLATE_LABEL"
    appset.write_text(
        text.replace(TEMPLATE_LABEL, TEMPLATE_LABEL + '        reviewed: "yes"\n', 1), encoding="utf-8"
    )
    diff = bench.repeat(bench.runs, lambda _: repo, lambda r: [*bench.scaffold, "diff", str(r), "-q"])
    apps = services * len(ENVIRONMENTS)
    return {
        "services": services,
        "applications": apps,
        "diff (every Application)": _row(diff),
        "ms per Application": 1000 * diff.seconds / apps,
    }


def _row(measure: Measure) -> dict[str, float]:
    return {"seconds": round(measure.seconds, 2), "peak_mib": round(measure.peak_mib, 1)}


def report(one: list[dict[str, Any]], every: list[dict[str, Any]]) -> str:
    out = ["one values file changed (target: diff <= 2x validate --no-helm)"]
    for row in one:
        v, d = row["validate --no-helm"], row["diff (one values file)"]
        out.append(
            f"  {row['services']:>4} services ({row['applications']} apps): "
            f"validate --no-helm {v['seconds']:.2f} s {v['peak_mib']:.0f} MiB, "
            f"diff {d['seconds']:.2f} s {d['peak_mib']:.0f} MiB -> {row['ratio']:.2f}x"
        )
    out.append("every Application changed (target: flat cost per Application)")
    for row in every:
        d = row["diff (every Application)"]
        out.append(
            f"  {row['services']:>4} services ({row['applications']} apps): diff {d['seconds']:.2f} s "
            f"{d['peak_mib']:.0f} MiB, {row['ms per Application']:.0f} ms per Application"
        )
    if len(every) >= 2:
        first, last = every[0], every[-1]
        marginal = (
            1000
            * (last["diff (every Application)"]["seconds"] - first["diff (every Application)"]["seconds"])
            / (last["applications"] - first["applications"])
        )
        sizes = f"{first['services']} -> {last['services']} services"
        out.append(f"  marginal cost {sizes}: {marginal:.0f} ms per Application")
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--one", type=int, nargs="*", default=[500], help="sizes for the one-values-file case"
    )
    parser.add_argument("--every", type=int, nargs="*", default=[5, 25], help="sizes for the every-app case")
    parser.add_argument("--runs", type=int, default=1, help="runs per measurement (median)")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    if shutil.which("git") is None:
        raise SystemExit("needs git")
    with tempfile.TemporaryDirectory(prefix="scaffold-diff-bench-") as tmp:
        bench = Bench(Path(tmp), args.runs)
        one = [one_values_file(bench, n) for n in args.one]
        every = [every_application(bench, n) for n in args.every]
    print(report(one, every))
    if args.json:
        args.json.write_text(
            json.dumps({"one_values_file": one, "every_application": every}, indent=2) + "\n"
        )


if __name__ == "__main__":
    main()
