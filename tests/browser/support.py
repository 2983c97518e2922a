"""What every journey checks on every page: no sideways scroll, axe-core clean, a screenshot.

axe-core comes from the npm registry at the version package-lock.json pins (``make vendor``
copies it here). It is evaluated through Playwright's DevTools channel, which the page's
Content-Security-Policy does not govern, so the policy stays as strict as in production.
"""

from pathlib import Path

AXE_SOURCE = Path(__file__).parent / "vendor" / "axe.min.js"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
WIDTHS = {"desktop": (1366, 900), "phone": (390, 844)}
# What people must never meet: the two worst of axe-core's four impact levels.
BLOCKING = ("serious", "critical")


def axe_violations(page) -> list[str]:
    """axe-core's serious and critical violations on the page as it is now, one line each."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_SOURCE.read_text())
    found = page.evaluate(
        """async () => {
          const result = await axe.run(document, {resultTypes: ["violations"]});
          return result.violations.map(v => ({
            id: v.id, impact: v.impact, help: v.help,
            targets: v.nodes.slice(0, 3).map(n => n.target.join(" ")),
          }));
        }"""
    )
    return [
        f"{page.url}: {v['id']} ({v['impact']}): {v['help']} at {', '.join(v['targets'])}"
        for v in found
        if v["impact"] in BLOCKING
    ]


def sideways_overflow(page) -> int:
    """How many pixels the page is wider than the window (0: no horizontal scroll)."""
    return page.evaluate(
        "Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)"
        " - document.documentElement.clientWidth"
    )


def check_page(page, name: str) -> list[str]:
    """Screenshot the page (var/screenshots/<name>.png) and list what is wrong with it."""
    page.wait_for_load_state("networkidle")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    problems = axe_violations(page)
    overflow = sideways_overflow(page)
    if overflow > 0:
        problems.append(f"{page.url}: the page scrolls sideways by {overflow}px")
    return problems


def pick(page, select_id: str, text: str) -> None:
    """Choose ``text`` in a searchable multi-select (Tom Select), as a person types it."""
    page.click(f"#{select_id}-ts-control")
    page.keyboard.type(text)
    page.locator(f"#{select_id}-ts-dropdown .option", has_text=text).first.click()
    page.keyboard.press("Escape")
