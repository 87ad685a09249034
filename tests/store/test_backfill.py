"""``newscrawl db backfill``: derivation and similarity of versions stored before revision 0003,
and the band rows of signature blocks stories stored before the block existed lack, on SQLite
and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import delete, select, update
from sqlalchemy.orm import sessionmaker

from newscrawl.cli import main as cli_main
from evaluation.spinner import spin
from newscrawl.stages.fingerprint import (
    SIGNATURE_BLOCKS,
    block_band_range,
    fingerprint,
    match_story,
)
from newscrawl.store import Story, StoryBand, Version, store_page
from newscrawl.store.maintenance.backfill import NO_FIRST_VERSION, backfill_bands, backfill_derivations
from newscrawl.store.matching import place

from evaluation.articles import TRAM, TRAM_EDITED, VINEYARD


def _store_tram_versions(session, article) -> dict[int, tuple[str, float]]:
    """A story with one version of each derivation; {version id: (derivation, similarity)} as
    the store recorded them."""
    lead = "\n\n".join(TRAM.split("\n\n")[:2])
    for url, body in [("https://marlow-herald.example/tram", TRAM),
                      ("https://coastal.example/tram", TRAM.replace("\n\n", "\n")),
                      ("https://scraper.example/tram", lead),
                      ("https://linkfarm.example/tram", spin(TRAM, 1.0, seed=11)),
                      ("https://harbour.example/tram", TRAM_EDITED)]:
        store_page(session, *_page(article(url, body)))
        session.commit()
    rows = session.execute(select(Version.id, Version.derivation, Version.similarity)).all()
    return {vid: (kind, similarity) for vid, kind, similarity in rows}


def _page(art):
    return art.page, art.record


def _forget(session) -> None:
    """What a database stored before revision 0003 holds: no derivation, no similarity."""
    session.execute(update(Version).values(derivation=None, similarity=None))
    session.commit()


def test_backfill_computes_what_the_store_recorded(db_engine, db_session, article):
    recorded = _store_tram_versions(db_session, article)
    assert sorted(kind for kind, _ in recorded.values()) == sorted(
        ["original", "exact", "trimmed", "reworded", "edited"])
    _forget(db_session)

    seen = []
    result = backfill_derivations(sessionmaker(db_engine), batch=2,
                                  progress=lambda vid, outcome: seen.append(vid))
    assert result.filled == 5 and not result.left
    assert seen == sorted(recorded)  # in id order, across batches of two
    db_session.expire_all()
    rows = db_session.execute(select(Version.id, Version.derivation, Version.similarity)).all()
    for vid, kind, similarity in rows:
        assert kind == recorded[vid][0]
        assert abs(similarity - recorded[vid][1]) < 1e-9

    # Idempotent: nothing is left to fill.
    again = backfill_derivations(sessionmaker(db_engine))
    assert again.filled == 0 and not again.left


def test_backfill_leaves_a_version_without_first_version_null(db_engine, db_session, article):
    _store_tram_versions(db_session, article)
    _forget(db_session)
    # A damaged database: the story lost its first version pointer. Never guessed.
    db_session.execute(update(Story).values(canonical_version_id=None))
    db_session.commit()
    result = backfill_derivations(sessionmaker(db_engine))
    assert result.filled == 0
    assert [reason for _, reason in result.left] == [NO_FIRST_VERSION] * 5
    db_session.expire_all()
    assert db_session.execute(
        select(Version.id).where(Version.derivation.is_not(None))).first() is None


def test_db_backfill_command(database_url, db_engine, db_session, article, capsys):
    _store_tram_versions(db_session, article)
    _forget(db_session)
    _forget_block_one(db_session)
    db_session.close()
    assert cli_main(["db", "backfill", "--db", database_url, "-q"]) == 0
    out = capsys.readouterr().out
    assert "backfilled 5 versions: 1 edited, 1 exact, 1 original, 1 reworded, 1 trimmed" in out
    assert "re-banded 1 story: 128 band rows added (128 of block 1); 0 left without" in out
    assert cli_main(["db", "backfill", "--db", database_url]) == 0
    out = capsys.readouterr().out
    assert "backfilled 0 versions" in out
    assert "re-banded 0 stories: 0 band rows added; 0 left without" in out


# -- band blocks -------------------------------------------------------------------------------

#: A spun copy of TRAM that shares LSH bands with it in permutation block 1 only (checked by
#: test_block_one_only_copy_is_what_it_claims): a story banded by block 0 alone misses it.
BLOCK_ONE_ONLY_COPY = spin(TRAM, 1.0, seed=3)


def _forget_block_one(session) -> None:
    """What a database stored before the second permutation block holds: block-0 bands only."""
    assert SIGNATURE_BLOCKS == 2  # the state simulated: one block stored, two computed
    session.execute(delete(StoryBand).where(StoryBand.band >= block_band_range(1).start))
    session.commit()


def _stored_bands(session, story_id: int) -> dict[int, int]:
    return dict(session.execute(select(StoryBand.band, StoryBand.hash)
                                .where(StoryBand.story_id == story_id)).all())


def test_block_one_only_copy_is_what_it_claims():
    whole, copy = fingerprint(TRAM).bands, fingerprint(BLOCK_ONE_ONLY_COPY).bands
    shared = {i for i, (a, b) in enumerate(zip(whole, copy, strict=True)) if a == b}
    assert shared and shared <= set(block_band_range(1))
    assert match_story(TRAM, BLOCK_ONE_ONLY_COPY).same_story


def test_backfill_adds_the_missing_block_so_a_block_one_copy_finds_the_story(
        db_engine, db_session, article):
    original = store_page(db_session, *_page(article("https://marlow-herald.example/tram", TRAM)))
    other = store_page(db_session, *_page(article("https://vines.example/harvest", VINEYARD)))
    db_session.commit()
    tram_id = db_session.execute(select(Story.id).where(Story.key == original.story_key)).scalar()
    other_id = db_session.execute(select(Story.id).where(Story.key == other.story_key)).scalar()
    complete = _stored_bands(db_session, tram_id)
    assert complete == dict(enumerate(fingerprint(TRAM).bands))
    other_bands = _stored_bands(db_session, other_id)
    _forget_block_one(db_session)
    # Only the old story is incomplete; the other keeps both blocks (stored since).
    db_session.execute(StoryBand.__table__.insert(),
                       [{"band": b, "hash": h, "story_id": other_id}
                        for b, h in other_bands.items() if b in block_band_range(1)])
    db_session.commit()

    copy_url = "https://linkfarm.example/tram-spun"
    copy_fp = fingerprint(BLOCK_ONE_ONLY_COPY)
    before = place(db_session, copy_url, BLOCK_ONE_ONLY_COPY, copy_fp)
    assert before.story_id is None  # block 0 does not find it: it would become a story of its own
    db_session.rollback()

    seen = []
    result = backfill_bands(sessionmaker(db_engine), batch=1,
                            progress=lambda sid, outcome: seen.append((sid, outcome)))
    assert seen == [(tram_id, [1])]
    assert result.stories == 1 and result.rows == {1: 128} and not result.left
    db_session.expire_all()
    # The rows a new story gets: the stored ones kept, the added ones the store's own.
    assert _stored_bands(db_session, tram_id) == complete
    assert _stored_bands(db_session, other_id) == other_bands

    after = place(db_session, copy_url, BLOCK_ONE_ONLY_COPY, copy_fp)
    assert (after.story_id, after.via) == (tram_id, "bands")
    stored = store_page(db_session, *_page(article(copy_url, BLOCK_ONE_ONLY_COPY)))
    db_session.commit()
    assert stored.story_key == original.story_key and not stored.created_story

    # Idempotent: nothing is missing any more, nothing is added.
    again = backfill_bands(sessionmaker(db_engine))
    assert again.stories == 0 and again.added == 0 and not again.left
    db_session.expire_all()
    assert _stored_bands(db_session, tram_id) == complete


def test_backfill_bands_leaves_a_story_without_first_version(db_engine, db_session, article):
    store_page(db_session, *_page(article("https://marlow-herald.example/tram", TRAM)))
    db_session.commit()
    _forget_block_one(db_session)
    db_session.execute(update(Story).values(canonical_version_id=None))
    db_session.commit()
    result = backfill_bands(sessionmaker(db_engine))
    assert result.stories == 0 and result.added == 0
    assert [reason for _, reason in result.left] == [NO_FIRST_VERSION]
    db_session.expire_all()
    assert db_session.execute(select(StoryBand.band).where(
        StoryBand.band >= block_band_range(1).start)).first() is None


# -- verification features and word bands ------------------------------------------------------

def test_backfill_features_adds_what_an_older_store_lacks(db_engine, db_session, article):
    from newscrawl.store.maintenance.backfill import backfill_features
    from newscrawl.store.models import StoryFeatures, StoryWordBand

    _store_tram_versions(db_session, article)
    store_page(db_session, *_page(article("https://vineyard.example/harvest", VINEYARD)))
    db_session.commit()

    def rows():
        db_session.expire_all()
        return (sorted(db_session.execute(select(StoryFeatures.story_id, StoryFeatures.words,
                                                 StoryFeatures.anchor_pairs, StoryFeatures.named,
                                                 StoryFeatures.word_set)).all()),
                sorted(db_session.execute(select(StoryWordBand.story_id, StoryWordBand.band,
                                                 StoryWordBand.hash, StoryWordBand.day)).all()))

    stored_features, stored_words = rows()
    assert len(stored_features) == 2 and stored_words
    # What a store made before revisions 0009 and 0014 holds: neither.
    db_session.execute(delete(StoryFeatures))
    db_session.execute(delete(StoryWordBand))
    db_session.commit()

    seen = []
    result = backfill_features(sessionmaker(db_engine), batch=1,
                               progress=lambda story_id, what: seen.append(what))
    assert (result.features, result.word_bands, result.left) == (2, 2, [])
    assert seen == ["features and word bands added"] * 2
    assert rows() == (stored_features, stored_words)  # exactly what the store wrote
    again = backfill_features(sessionmaker(db_engine))
    assert (again.features, again.word_bands) == (0, 0)
    # A row stored before revision 0015 has no word set: it is written again, whole.
    db_session.execute(update(StoryFeatures).where(StoryFeatures.story_id == stored_features[0][0])
                       .values(word_set=None))
    db_session.commit()
    older = backfill_features(sessionmaker(db_engine))
    assert (older.features, older.word_bands, older.left) == (1, 0, [])
    assert rows() == (stored_features, stored_words)
