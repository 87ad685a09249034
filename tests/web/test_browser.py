"""The web view in a real headless browser (chromium): the sample sites' wire story, its event,
and a stored page whose title and text carry script."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
#: Set to 1 to write the story page's screenshot to docs/img/story.png (the README's picture).
SCREENSHOT_ENV = "NEWSCRAWL_UPDATE_SCREENSHOT"


def wire_story(served) -> dict:
    stories = served.json("/api/stories")["stories"]
    (wire,) = [s for s in stories if s["site_count"] == 6]
    return served.json(f"/api/stories/{wire['key']}")["story"]


def test_wire_story_page_shows_six_versions_six_marks_and_the_spun_words(served, page, tmp_path):
    story = wire_story(served)
    page.goto(f"{served.base}/stories/{story['key']}")
    assert page.locator("h1").inner_text() == story["title"]
    rows = page.locator("table.versions tbody tr")
    assert rows.count() == 6
    sites = {rows.nth(i).locator("td.site a").first.inner_text() for i in range(6)}
    assert len(sites) == 6 and "kbrx1040.example" in sites
    assert "6 versions on 6 sites" in page.locator("p.summary").inner_text()
    assert page.locator("svg.timeline circle.mark").count() == 6
    assert page.locator("svg.timeline text.row-label").count() == 6
    # The copies were downloaded one after another (tests/web/conftest.py): left to right.
    xs = [float(x) for x in page.locator("svg.timeline circle.mark").evaluate_all(
        "marks => marks.map(m => m.getAttribute('cx'))")]
    assert xs == sorted(xs) and len(set(xs)) == 6, xs

    # The diff form: the first copy against the spun one, chosen as a person would.
    ids = {v["site"]: v["id"] for v in story["versions"]}
    page.select_option("select[name=a]", str(ids["kbrx1040.example"]))
    page.select_option("select[name=b]", str(ids["linkhub-dailynews.example"]))
    page.click("form.compare button")
    page.wait_for_url(f"**/stories/{story['key']}?a=*")
    removed = page.locator(".diff del").all_inner_texts()
    added = page.locator(".diff ins").all_inner_texts()
    assert any("said" in text.split() for text in removed), removed
    assert any("stated" in text.split() for text in added), added
    assert "reworded" in page.locator("p.diff-heading").inner_text()
    assert page.dialogs == []

    page.goto(f"{served.base}/stories/{story['key']}")
    shot = tmp_path / "story.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 10_000
    if os.environ.get(SCREENSHOT_ENV) == "1":
        target = REPO / "docs" / "img" / "story.png"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, target)


def test_events_page_links_the_independent_report(served, page):
    story = wire_story(served)
    (independent,) = [s for s in served.json("/api/stories")["stories"]
                      if s["title"].startswith("In Lowquay")]
    page.goto(f"{served.base}/events")
    link = page.locator(f"a[href='/stories/{independent['key']}']")
    assert link.count() == 1
    event_link = page.locator(f"a[href='/events/{story['event_id']}']")
    event_link.click()
    page.wait_for_url(f"**/events/{story['event_id']}")
    assert page.locator("svg.timeline circle.mark").count() == 2
    page.locator(f"td.title a[href='/stories/{independent['key']}']").click()
    page.wait_for_url(f"**/stories/{independent['key']}")
    assert page.locator("h1").inner_text() == independent["title"]
    # Back to the wire story, from the independent report's own page.
    assert page.locator(f"a.same-event[href='/stories/{story['key']}']").count() == 1


def test_hostile_title_and_text_show_as_text_and_nothing_runs(served, page):
    (hostile,) = [s for s in served.json("/api/stories?q=harbour")["stories"]]
    assert "<script>" in hostile["title"] and "onerror=" in hostile["title"]
    for path in ("/stories?q=harbour", f"/stories/{hostile['key']}", "/sites"):
        page.goto(served.base + path)
        assert page.evaluate("document.querySelectorAll('script').length") == 0
        assert page.evaluate("document.querySelectorAll('[onerror]').length") == 0
        assert page.evaluate("document.querySelectorAll('main img').length") == 0
        assert page.evaluate("window.__pwned === undefined")
    # On the story page the title and the text are the stored text, markup and all, shown as text.
    page.goto(f"{served.base}/stories/{hostile['key']}")
    assert page.locator("h1").inner_text() == hostile["title"]
    text = page.locator("#text").inner_text()
    assert '<img src=x onerror="window.__pwned=3">' in text and "<script>window.__pwned=4</script>" in text
    page.goto(f"{served.base}/stories?q=harbour")
    assert page.locator("td.title a").inner_text() == hostile["title"]
    assert page.dialogs == []
