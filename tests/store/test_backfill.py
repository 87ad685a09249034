"""``newscrawl db backfill``: derivation and similarity of versions stored before revision 0003,
on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import select, update

from newscrawl.cli import main as cli_main
from newscrawl.evidence.spinner import spin
from newscrawl.store import Story, Version, store_page
from newscrawl.store.backfill import NO_FIRST_VERSION, backfill_derivations

from .articles import TRAM, TRAM_EDITED


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
    from sqlalchemy.orm import sessionmaker

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
    from sqlalchemy.orm import sessionmaker

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
    db_session.close()
    assert cli_main(["db", "backfill", "--db", database_url, "-q"]) == 0
    out = capsys.readouterr().out
    assert "backfilled 5 versions: 1 edited, 1 exact, 1 original, 1 reworded, 1 trimmed" in out
    assert cli_main(["db", "backfill", "--db", database_url]) == 0
    assert "backfilled 0 versions" in capsys.readouterr().out
