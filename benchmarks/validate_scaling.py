"""How `scaffold validate`'s time grows with the number of Applications (should be linear).

Builds copies of tests/resources/example-apps with 50 and 400 extra Applications (each with
its own workload folder), validates each, and prints the times and their ratio: 8x the
Applications should cost well under 8x squared (the first release's test allowed 20x).

    PYTHONPATH=. python benchmarks/validate_scaling.py [--small 50] [--large 400]
"""

from __future__ import annotations

import argparse
import copy
import shutil
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE_APPS = ROOT / "tests" / "resources" / "example-apps"


def many_apps(root: Path, count: int) -> Path:
    shutil.copytree(EXAMPLE_APPS, root)
    template = yaml.safe_load((root / "apps/guestbook.yaml").read_text())
    apps = []
    for index in range(count):
        doc = copy.deepcopy(template)
        doc["metadata"]["name"] = f"guestbook-{index}"
        apps.append(doc)
    (root / "apps/many.yaml").write_text(yaml.safe_dump_all(apps))
    deployment = (root / "workloads/frontend/deployment.yaml").read_text()
    for index in range(count):
        (root / "workloads" / f"w{index}").mkdir()
        (root / "workloads" / f"w{index}" / "deployment.yaml").write_text(
            deployment.replace("frontend", f"w{index}")
        )
    return root


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--small", type=int, default=50)
    parser.add_argument("--large", type=int, default=400)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from gitops_scaffold.validate import validate

    work = Path(tempfile.mkdtemp(prefix="scaffold-validate-scaling-"))
    try:
        timings = []
        for count in (args.small, args.large):
            repo = many_apps(work / str(count), count)
            start = time.perf_counter()
            report = validate(repo)
            timings.append(time.perf_counter() - start)
            assert report.findings == [], report.findings
        ratio = timings[1] / max(timings[0], 1e-9)
        print(f"{args.small} Applications: {timings[0]:.2f} s; {args.large}: {timings[1]:.2f} s; "
              f"ratio {ratio:.1f} for {args.large / args.small:.0f}x the Applications")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
