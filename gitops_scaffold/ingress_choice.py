"""The ingress controller a repository runs, written down in its scaffold.yaml (issue 12).

New repositories on EKS get the AWS Load Balancer Controller by default, others ingress-nginx
(``model_platform.default_ingress_controller``). A default that follows the clusters would swap
the controller behind every ingress (new load balancers, new DNS targets) when someone adds a
cluster, and repositories written before ``ingress.controller`` existed run ingress-nginx
whatever the default now says. So the default decides once: ``init`` writes the controller it
chose into scaffold.yaml, and any later command that finds the key absent writes the controller
the repository runs, by its record of the last render, through the positioned editor (every
other byte kept). From then on the controller changes only when that line does, in a reviewed
commit; and an ingress-nginx so recorded is a known choice, which ``scaffold validate`` reports
as a notice instead of a failing warning (GS030).
"""

from __future__ import annotations

from pathlib import Path

from gitops_scaffold import answers as answers_file
from gitops_scaffold.answers import Document
from gitops_scaffold.errors import AnswersError
from gitops_scaffold.model import Answers
from gitops_scaffold.model_platform import ALB, INGRESS_NGINX, ingress_controller
from gitops_scaffold.state import recorded_keys

_COMMENT = {
    INGRESS_NGINX: (
        "# ingress-nginx, recorded by scaffold: it was retired upstream in March 2026 (scaffold\n"
        "# validate notes it, rule GS030). On EKS, `controller: aws-load-balancer-controller` moves\n"
        "# every ingress to an ALB.\n"
    ),
    ALB: (
        "# The AWS Load Balancer Controller (ALBs, certificates from ACM), recorded by scaffold: the\n"
        "# controller changes only when this line does.\n"
    ),
}


def running_controller(repo: Path) -> str | None:
    """The ingress controller the last render installed (its add-on record), or None."""
    installed = {key.split("/", 1)[1] for key in recorded_keys(repo, ("addon",)) if "/" in key}
    if INGRESS_NGINX in installed:
        return INGRESS_NGINX
    return ALB if ALB in installed else None


def record(path: Path, text: str, running: str | None) -> tuple[str, str | None]:
    """``text`` with ``ingress.controller`` written when it is absent, and a note saying so.

    The controller written is the one the repository runs (``running``) while the default
    add-on list is in use, else the one the answers resolve to. Text that does not validate is
    returned unchanged: the caller's check reports its problems.
    """
    try:
        doc = answers_file.parse(path, text)
        answers = answers_file.validate(doc)
    except AnswersError:
        return text, None
    if answers.ingress.controller is not None:
        return text, None
    default = ingress_controller(answers)
    listed = "platform" in answers.model_fields_set
    chosen = running if running is not None and not listed else default
    retired = "; ingress-nginx is retired upstream, rule GS030" if chosen == INGRESS_NGINX else ""
    note = f"{path.name}: recorded ingress.controller: {chosen} ({_why(answers, chosen, running)}{retired})"
    new_text = _with_controller(doc, chosen)
    if "\r\n" in text:  # a CRLF file stays CRLF
        new_text = new_text.replace("\r\n", "\n").replace("\n", "\r\n")
    return new_text, note


def _why(answers: Answers, chosen: str, running: str | None) -> str:
    default = ingress_controller(answers)
    names = {addon.name for addon in answers.platform}
    if chosen == running:
        other = f"; the default here would be {default}" if chosen != default else ""
        return f"what this repository runs{other}"
    if chosen == ALB:
        return "the default: every cluster is EKS"
    if "platform" in answers.model_fields_set and (ALB not in names or INGRESS_NGINX in names):
        return f"the default: platform: does not install {ALB} in place of {INGRESS_NGINX}"
    return "the default: the AWS Load Balancer Controller needs every cluster on EKS"


def _with_controller(doc: Document, controller: str) -> str:
    if isinstance(doc.data.get("ingress"), dict):
        return answers_file.set_value(doc, ("ingress", "controller"), controller)
    text = doc.text if doc.text.endswith("\n") else doc.text + "\n"
    return f"{text}{_COMMENT[controller]}ingress:\n  controller: {controller}\n"
