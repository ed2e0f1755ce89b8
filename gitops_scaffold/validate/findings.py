"""What a check reports: a finding (rule, severity, file, line, message) and the whole report."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum


class Severity(IntEnum):
    """Ordered so that ``severity >= fail_on`` reads naturally."""

    info = 1
    warning = 2
    error = 3

    @classmethod
    def parse(cls, name: str) -> Severity:
        try:
            return cls[name.lower()]
        except KeyError:
            known = ", ".join(s.name for s in cls)
            raise ValueError(f"unknown severity {name!r} (expected one of: {known})") from None


@dataclass(frozen=True, order=True)
class Finding:
    """One problem, where it is, and which rule found it."""

    file: str  # repo-relative, POSIX separators
    line: int  # 1-based; 0 when the problem has no line (a missing file, a whole chart)
    rule: str  # stable id, e.g. GS001
    message: str
    severity: Severity = field(compare=False, default=Severity.error)
    # Extra context a reporter may show (the generating ApplicationSet, the Application name).
    context: str = field(compare=False, default="")


@dataclass
class Report:
    """Every finding of one run, plus notes on what could not be checked and why."""

    repo: str
    findings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # Counts for the summary line: files read, objects, Applications (written + generated).
    stats: dict[str, int] = field(default_factory=dict)

    def at_or_above(self, severity: Severity | None) -> list[Finding]:
        """Findings of ``severity`` or worse (None: never fail, so none)."""
        if severity is None:
            return []
        return [f for f in self.findings if f.severity >= severity]

    def exit_code(self, fail_on: Severity | None) -> int:
        return 1 if self.at_or_above(fail_on) else 0


@dataclass(frozen=True)
class Rule:
    id: str
    name: str  # short kebab-case name, for SARIF and humans
    severity: Severity
    title: str
    explanation: str
    fix: str

    def finding(
        self, file: str, line: int, message: str, context: str = "", severity: Severity | None = None
    ) -> Finding:
        """A finding of this rule, at the rule's severity unless ``severity`` says otherwise."""
        return Finding(file, line, self.id, message, self.severity if severity is None else severity, context)
