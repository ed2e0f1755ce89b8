"""The example output on docs/diff.md, made by running `scaffold diff` (called by
gen_reference.py, so ``tests/test_docs.py`` keeps it current).

It scaffolds examples/platform/scaffold.yaml into a temporary repository, commits, then edits
the work tree as a reviewer's colleague would (a new image tag for orders in staging, a new
config key for orders in production) and prints what `scaffold diff` reports, as text and as
the summary table of the pull-request comment.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

EDITS = (  # (file, old text, new text, what it does)
    ("apps/services/orders/values-staging.yaml", 'tag: "v1.4.2"', 'tag: "v1.5.0"', "image tag → v1.5.0"),
    (
        "apps/services/orders/values-prod.yaml",
        "\nimage:",
        '\nconfig:\n  LOG_LEVEL: "warn"\nimage:',
        "a new config key `LOG_LEVEL: warn`",
    ),
)


def diff_example_fragment(example: Path, header: str) -> str:
    from gitops_scaffold.commands.init import init
    from gitops_scaffold.diff import diff, report

    with tempfile.TemporaryDirectory() as tmp:
        repo = Path(tmp) / "gitops-config"
        init(repo, example, commit=True)
        for rel, old, new, _ in EDITS:
            path = repo / rel
            text = path.read_text(encoding="utf-8")
            if old not in text:
                raise SystemExit(f"docs/gen_diff_example.py: {old!r} is no longer in {rel}; update EDITS")
            path.write_text(text.replace(old, new, 1), encoding="utf-8")
        result = diff(repo)
    source = "a run of `scaffold diff` on examples/platform (docs/gen_diff_example.py)"
    table = report.markdown(result).split("\n<details>", 1)[0]
    table = table.removeprefix(report.MARKDOWN_MARKER + "\n").replace("### ", "", 1)
    edits = "\n".join(f"- `{rel}`: {what}" for rel, _, _, what in EDITS)
    return (
        header.format(source=source)
        + f"The edits, not yet committed:\n\n{edits}\n\n"
        + "`scaffold diff` (text):\n\n```text\n"
        + report.text(result)
        + "\n```\n\nThe summary table that opens the pull-request comment (`--output markdown`):\n\n"
        + table.rstrip()
        + "\n"
    )
