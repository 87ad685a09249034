"""The web view's pages over HTTP, on SQLite and PostgreSQL: the JSON twins agree between the
two databases, every page lists its SQL, lists are paginated, bad requests are one-line pages,
and the database cannot be written through the view."""

from __future__ import annotations

import json
import os
import socket
import urllib.error
import urllib.request

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from newscrawl.cli import main as cli_main
from newscrawl.web import ViewError, open_read_only
from newscrawl.web.server import listening_socket
from tests.web.conftest import DIRECT, ingest_samples, start_server


def page_shapes(served) -> dict:
    """What the pages say about the samples, in a form that does not depend on ids or times."""
    stories = served.json("/api/stories")["stories"]
    wire = next(s for s in stories if s["site_count"] == 6)
    detail = served.json(f"/api/stories/{wire['key']}")
    first, spun = (next(v["id"] for v in detail["story"]["versions"] if v["site"] == site)
                   for site in ("kbrx1040.example", "linkhub-dailynews.example"))
    diff = served.json(f"/api/stories/{wire['key']}?a={first}&b={spun}")["diff"]
    events = served.json("/api/events")["events"]
    event = served.json(f"/api/events/{detail['story']['event_id']}")["event"]
    sites = served.json("/api/sites")["sites"]
    return {
        "stories": [(s["title"], s["site_count"], s["version_count"], s["language"]) for s in stories],
        "versions": sorted((v["site"], v["derivation"], round(v["similarity"], 3), v["language"],
                            tuple(v["chrome_languages"]), v["encoding"], v["encoding_conflict"],
                            tuple(sorted(r["kind"] for r in v["repairs"])))
                           for v in detail["story"]["versions"]),
        "same_event": [title for _key, title in detail["story"]["same_event"]],
        "diff": diff["changes"],
        "events": [[s["title"] for s in e["stories"]] for e in events],
        "event": [s["title"] for s in event["stories"]],
        "sites": [(s["host"], s["copies"], s["stories_originated"], s["foreign_chrome"], s["mojibake"],
                   s["wrong_charset"], s["median_delay"]) for s in sites],
    }


def test_pages_and_their_json_twins(served):
    shapes = page_shapes(served)
    assert shapes["stories"][0][1:3] == (6, 6)  # sorted by spread: the wire story first
    assert len(shapes["stories"]) == 3
    assert {v[0] for v in shapes["versions"]} == {
        "kbrx1040.example", "news.jinghai.example", "worldbrief-report.example",
        "capitol-ledger.example", "linkhub-dailynews.example", "topnewsnow24.example"}
    assert ("linkhub-dailynews.example", "reworded") in {v[:2] for v in shapes["versions"]}
    assert shapes["same_event"] == ["In Lowquay, a sleepless night after the port exploded"]
    changed = [w for p in shapes["diff"] if p["op"] == "change" for w in p["words"]]
    assert {"op": "delete", "text": "said."} in changed or any(
        w["op"] == "delete" and "said" in w["text"].split() for w in changed)
    assert any(w["op"] == "insert" and "stated" in w["text"].split() for w in changed)
    assert shapes["events"] == [[shapes["stories"][0][0], shapes["same_event"][0]]]
    assert shapes["event"] == shapes["events"][0]
    # Copies, originated, foreign chrome, mojibake, wrong charset, delay behind the first copy (s).
    assert ("news.jinghai.example", 1, 0, 1, 0, 0, 25 * 60.0) in shapes["sites"]
    # The wire story's original is the copy published first (capitol-ledger's), not the first
    # ingested (kbrx1040's): the originated count and the delays follow it.
    assert ("capitol-ledger.example", 1, 1, 0, 0, 0, None) in shapes["sites"]
    assert [s[:6] for s in shapes["sites"] if s[0] == "kbrx1040.example"] == [
        ("kbrx1040.example", 1, 0, 0, 0, 0)]

    # ?format=json is the same page as /api/..., and every page names its SQL.
    for path in ("/stories", "/events", "/sites", "/stories?q=blast"):
        api = served.json("/api" + path)
        sep = "&" if "?" in path else "?"
        twin = served.json(path + sep + "format=json")
        assert api.keys() == twin.keys() and api["sql"] and api["sql"][0]["sql"].startswith("SELECT")
        status, headers, body = served.get(path)
        assert status == 200 and headers["content-type"].startswith("text/html")
        assert "script-src" not in headers["content-security-policy"]  # default-src 'none': no script
        html = body.decode()
        assert 'id="sql"' in html and "SELECT" in html and 'id="json-link"' in html


def test_search_filters_and_pagination(served):
    def keys(path):
        return [s["key"] for s in served.json(path)["stories"]]

    everything = keys("/api/stories")
    assert len(everything) == 3
    assert len(keys("/api/stories?q=sleepless+Lowquay")) == 1
    assert len(keys("/api/stories?q=Lowquay")) == 2  # the wire story names the district too
    assert keys("/api/stories?q=%25") == []  # a LIKE wildcard is a character, not "anything"
    assert keys("/api/stories?min_sites=2") == everything[:1]
    assert keys("/api/stories?site=www.capitol-ledger.example") == everything[:1]
    assert keys("/api/stories?language=zz") == []
    assert keys("/api/stories?since=2999-01-01") == []
    assert keys("/api/stories?until=2000-01-01") == []
    assert len(keys("/api/stories?since=2000-01-01&until=2999-01-01")) == 3

    first = served.json("/api/stories?limit=2")
    assert [s["key"] for s in first["stories"]] == everything[:2] and first["previous"] is None
    second = served.json(first["next"])
    assert [s["key"] for s in second["stories"]] == everything[2:] and second["next"] is None
    assert served.json(second["previous"])["stories"] == first["stories"]
    one_event = served.json("/api/events?all=1&limit=1")
    assert len(one_event["events"]) == 1 and one_event["next"]
    next_event = served.json(one_event["next"])
    assert len(next_event["events"]) == 1 and next_event["events"][0]["id"] != one_event["events"][0]["id"]


def test_bad_requests_and_unknown_things_are_one_line_pages(served):
    for path, status, words in (("/stories?page=0", 400, "page must be"),
                                ("/stories?limit=5000", 400, "limit must be"),
                                ("/stories?since=yesterday", 400, "ISO date"),
                                ("/stories/nope", 404, "no story with key"),
                                ("/events/12345", 404, "no event"),
                                ("/events/x", 404, "no event")):
        code, _headers, body = served.get(path)
        assert code == status and words in body.decode(), (path, code, body[:300])
        code, _headers, body = served.get("/api" + path)
        assert code == status and words in json.loads(body)["error"]
    # On loopback the view answers to loopback names only (a rebinding page's host is refused).
    request = urllib.request.Request(served.base + "/stories", headers={"Host": "attacker.example"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        DIRECT.open(request, timeout=60)
    assert refused.value.code == 400
    localhost = served.base.replace("127.0.0.1", "localhost")
    with DIRECT.open(localhost + "/api/sites", timeout=60) as response:
        assert response.status == 200
    wire = served.json("/api/stories")["stories"][0]
    code, _headers, body = served.get(f"/api/stories/{wire['key']}?a=999999")
    assert code == 400 and "has no version 999999" in json.loads(body)["error"]


@pytest.mark.postgres
def test_postgres_pages_match_sqlite(served, postgres_database_url, tmp_path):
    ingest_samples(postgres_database_url, tmp_path)
    for on_postgres in start_server(postgres_database_url):
        assert page_shapes(on_postgres) == page_shapes(served)


def test_the_view_cannot_write(database_url):
    from newscrawl.store.db import make_engine, upgrade

    writer = make_engine(database_url)
    upgrade(writer)
    writer.dispose()
    engine = open_read_only(database_url)
    try:
        with engine.connect() as connection:
            assert connection.execute(text("SELECT COUNT(*) FROM stories")).scalar_one() == 0
            with pytest.raises(DBAPIError, match="(?i)read.?only"):
                connection.execute(text("INSERT INTO sites (host, first_seen_at) "
                                        "VALUES ('written.example', CURRENT_TIMESTAMP)"))
    finally:
        engine.dispose()


def test_serve_refuses_what_it_cannot_show(tmp_path, capsys):
    assert cli_main(["serve", "--db", f"sqlite:///{tmp_path / 'missing.db'}"]) == 2
    assert "no database at" in capsys.readouterr().err
    assert not (tmp_path / "missing.db").exists()
    empty = tmp_path / "empty.db"
    empty.touch()
    assert cli_main(["serve", "--db", f"sqlite:///{empty}"]) == 2
    assert "holds no newscrawl tables" in capsys.readouterr().err
    with pytest.raises(ViewError, match="in-memory"):
        open_read_only("sqlite://")


def test_a_taken_port_is_a_one_line_error():
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    try:
        with pytest.raises(ViewError, match="cannot listen on 127.0.0.1"):
            listening_socket("127.0.0.1", taken.getsockname()[1])
    finally:
        taken.close()
    sock = listening_socket("127.0.0.1", 0)
    assert sock.getsockname()[0] == "127.0.0.1"
    sock.close()


def test_an_installed_wheel_serves_its_templates_and_style(installed, sample_db, tmp_path):
    """The templates and the style sheet are package data: a wheel without them would fail here."""
    env = {**os.environ, "PYTHONPATH": str(installed)}
    for served in start_server(sample_db, env=env, cwd=tmp_path):
        status, _headers, body = served.get("/stories")
        assert status == 200 and b"Sorted by spread" in body
        status, headers, body = served.get("/static/style.css")
        assert status == 200 and headers["content-type"].startswith("text/css") and b"svg.timeline" in body
