"""How a feed card reads: the tailored summary as sentences and a real list, not "- " lines."""

from dataclasses import dataclass, field

from django import template

from gaps.models import Role

register = template.Library()


@dataclass
class SummaryParts:
    lead: list[str] = field(default_factory=list)
    bullets: list[str] = field(default_factory=list)
    after: list[str] = field(default_factory=list)


@register.filter
def summary_parts(text: str, level: str = "") -> SummaryParts:
    """Split a tailored summary into its sentences and its list items ("- " lines).

    A manager's list is the team's open gaps on the insight's themes: the same on every card
    of the feed, so the feed shows it once at the top and the card leaves it out.
    """
    parts = SummaryParts()
    for line in (text or "").splitlines():
        line = line.strip()
        if not line:
            continue
        if line.startswith("- "):
            parts.bullets.append(line[2:])
        elif parts.bullets:
            parts.after.append(line)
        else:
            parts.lead.append(line)
    if level == Role.Level.MANAGER:
        parts.bullets = []
    return parts
