"""Story placement beyond the basics: derivation per version, merges recorded (never re-keyed),
a new version only when the text really changes, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from evaluation.spinner import spin
from newscrawl.store import Story, Version, store_page
from newscrawl.store.models import StoryMerge
from newscrawl.store.queries import story_detail

from evaluation.articles import LIBRARY_PARTS, TRAM, TRAM_EDITED

UTC = dt.timezone.utc
T0 = dt.datetime(2025, 10, 14, 20, 0, tzinfo=UTC)


def store(session, art):
    out = store_page(session, art.page, art.record)
    session.commit()
    return out


def derivation_of(session, out) -> tuple[str | None, float | None]:
    v = session.get(Version, out.version_id)
    return v.derivation, v.similarity


def test_each_version_records_its_derivation(db_session, article):
    first = store(db_session, article("https://marlow-herald.example/tram", TRAM))
    exact = store(db_session, article("https://coastal.example/tram", TRAM.replace("\n\n", "\n")))
    lead = store(db_session, article("https://scraper.example/tram", TRAM.split("\n\n")[0]
                                     + "\n\n" + TRAM.split("\n\n")[1]))
    spun = store(db_session, article("https://linkfarm.example/tram", spin(TRAM, 1.0, seed=11)))
    edited = store(db_session, article("https://harbour.example/tram", TRAM_EDITED))

    keys = {o.story_key for o in (first, exact, lead, spun, edited)}
    assert keys == {first.story_key}
    assert derivation_of(db_session, first) == ("original", 1.0)
    assert derivation_of(db_session, exact) == ("exact", 1.0)
    assert derivation_of(db_session, lead) == ("trimmed", 1.0)
    kind, similarity = derivation_of(db_session, spun)
    assert kind == "reworded" and 0.18 <= similarity < 0.7
    kind, similarity = derivation_of(db_session, edited)
    assert kind == "edited" and 0.7 <= similarity < 1.0

    detail = story_detail(db_session, first.story_key)
    assert [v.derivation for v in detail.versions] == ["original", "exact", "trimmed", "reworded",
                                                       "edited"]
    assert [v.number for v in detail.versions] == [1, 2, 3, 4, 5]


def test_a_copy_matching_two_stories_records_their_merge_without_rekeying(db_session, article):
    head = "\n\n".join(LIBRARY_PARTS[:2])
    tail = "\n\n".join(LIBRARY_PARTS[3:5])
    a = store(db_session, article("https://quay-post.example/library-lead", head))
    b = store(db_session, article("https://river-news.example/library-tail", tail))
    assert a.created_story and b.created_story and a.story_key != b.story_key

    full = store(db_session, article("https://estuary-times.example/library",
                                     "\n\n".join(LIBRARY_PARTS)))
    assert full.story_key == a.story_key  # the best match (ties: the oldest)
    merge = db_session.execute(select(StoryMerge)).scalar_one()
    story_a = db_session.execute(select(Story).where(Story.key == a.story_key)).scalar_one()
    story_b = db_session.execute(select(Story).where(Story.key == b.story_key)).scalar_one()
    assert (merge.story_id, merge.merged_story_id) == (story_a.id, story_b.id)
    assert merge.evidence_version_id == full.version_id and merge.similarity == 1.0
    # Keys stay; both stories keep their own versions.
    assert db_session.execute(select(func.count()).select_from(Story)).scalar_one() == 2
    assert story_detail(db_session, b.story_key).versions[0].url.endswith("library-tail")

    # A second proof of the same pair adds nothing.
    store(db_session, article("https://another.example/library", "\n\n".join(LIBRARY_PARTS)
                              + "\n\nThe trust thanked its volunteers."))
    assert db_session.execute(select(func.count()).select_from(StoryMerge)).scalar_one() == 1
    assert [m.other_key for m in story_detail(db_session, a.story_key).merged_with] == [b.story_key]
    assert [m.other_key for m in story_detail(db_session, b.story_key).merged_with] == [a.story_key]


def test_refetch_with_only_volatile_changes_is_unchanged(db_session, article):
    url = "https://marlow-herald.example/tram"
    first = store(db_session, article(url, "Updated Oct 14, 2025 at 6:02 pm\n\n" + TRAM
                                      + "\n\n12 comments"))
    later = T0 + dt.timedelta(hours=5)
    for n, text in enumerate([
        "Updated Oct 14, 2025 at 9:40 pm\n\n" + TRAM + "\n\n57 comments",  # date line, count
        TRAM.replace(". ", ".  ").replace("\n\n", "\n\n\n"),  # whitespace only
        "2 hours ago\n" + TRAM.replace("'", "\u2019") + "\n1.4K shares",  # apostrophes, counters
    ]):
        again = store(db_session, article(url, text, fetched_at=later + dt.timedelta(hours=n)))
        assert again.outcome == "unchanged" and again.version_id == first.version_id, n
    real_edit = store(db_session, article(url, TRAM.replace("eleven to four", "ten to five"),
                                          fetched_at=later + dt.timedelta(days=1)))
    assert real_edit.outcome == "stored_new_version" and real_edit.story_key == first.story_key
    assert derivation_of(db_session, real_edit)[0] == "edited"


def test_a_new_story_keeps_its_verification_features_and_a_story_without_them_is_still_found(
        db_session, article):
    from newscrawl.stages.fingerprint import TextFeatures
    from newscrawl.store.matching import candidate_features
    from newscrawl.store.models import StoryFeatures

    first = store(db_session, article("https://marlow-herald.example/tram", TRAM))
    story_id = db_session.execute(select(Story.id).where(Story.key == first.story_key)).scalar_one()
    row = db_session.get(StoryFeatures, story_id)
    assert row is not None and len(row.words) > 0
    body = db_session.get(Version, first.version_id).body
    # What verification reads from the row is what it computes from the stored body.
    assert candidate_features(db_session, [story_id])[story_id] == TextFeatures.of(body)

    # A story stored before the table (no row) is verified from its body: a spun copy finds it.
    db_session.delete(row)
    db_session.commit()
    assert candidate_features(db_session, [story_id])[story_id] == TextFeatures.of(body)
    spun = store(db_session, article("https://linkfarm.example/tram", spin(TRAM, 1.0, seed=11)))
    assert spun.story_key == first.story_key


def test_candidates_sharing_a_band_by_chance_are_screened_with_the_same_decisions(
        db_session, article, monkeypatch):
    # In a large store most band candidates share a band by chance: their containment, on
    # arrays, rules them out before their features are built, and the placement is the one the
    # full verification of every candidate gives.
    from evaluation.articles import (DESAL_OWN_REPORT, DESAL_REWRITE, DESAL_WIRE, FLOOD, FLOOD_OTHER,
                                     TOWN_BUDGET, VINEYARD)
    from newscrawl.stages.fingerprint import TextFeatures, fingerprint
    from newscrawl.store import matching

    for n, body in enumerate((DESAL_WIRE, FLOOD, TOWN_BUDGET, TRAM, VINEYARD)):
        store(db_session, article(f"https://stored-{n}.example/a", body))
    every_story = db_session.execute(select(Story.id).order_by(Story.id)).scalars().all()
    monkeypatch.setattr(matching, "band_candidates", lambda session, bands, limit=25: list(every_story))
    built = []
    from_stored = TextFeatures.from_stored.__func__
    monkeypatch.setattr(TextFeatures, "from_stored",
                        classmethod(lambda cls, *row: built.append(row) or from_stored(cls, *row)))

    def placements():
        built.clear()
        out = [matching.place(db_session, f"https://probe-{n}.example/a", body, fingerprint(body))
               for n, body in enumerate((DESAL_OWN_REPORT, DESAL_REWRITE, FLOOD_OTHER,
                                         spin(TRAM, 1.0, seed=11)))]
        return out, len(built)

    screened, features_built = placements()
    monkeypatch.setattr(matching, "NO_MATCH_BELOW", 0.0)  # every candidate verified in full
    full, all_built = placements()
    assert screened == full
    assert all_built == 4 * len(every_story) and features_built < all_built / 2
    wire, tram = every_story[0], every_story[3]
    assert screened[1].story_id == wire and screened[3].story_id == tram
    assert wire in screened[0].related
