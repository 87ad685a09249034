"""Shared fixtures.

Database fixtures: ``database_url`` is parametrized over SQLite (a file in the test's tmp dir)
and PostgreSQL (a fresh schema per test, dropped afterwards, on the server named by
``NEWSCRAWL_TEST_POSTGRES_URL``, default ``postgresql+psycopg://postgres@127.0.0.1:5432/test``).
An unreachable PostgreSQL skips its tests, or fails them under ``CI=true``. ``db_engine`` is an
engine on a database migrated to head, ``db_session`` a session on it (rolled back and closed at
the end; tests commit when they want to).
"""

from __future__ import annotations

import os
import uuid

import pytest

def pytest_collection_modifyitems(config, items):
    """Tests marked ``corpus`` take minutes: collected only when ``-m`` names them."""
    if "corpus" in (config.getoption("markexpr") or ""):
        return
    left_out = [item for item in items if item.get_closest_marker("corpus")]
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = [item for item in items if not item.get_closest_marker("corpus")]


POSTGRES_URL_ENV = "NEWSCRAWL_TEST_POSTGRES_URL"
DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@pytest.fixture(scope="session")
def postgres_server_url() -> str:
    """URL of the test PostgreSQL server; skips (or fails under CI=true) when unreachable."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url
    from sqlalchemy.pool import NullPool

    url = os.environ.get(POSTGRES_URL_ENV) or DEFAULT_POSTGRES_URL
    engine = create_engine(url, poolclass=NullPool, connect_args={"connect_timeout": 5})
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any failure to connect means "unreachable"
        first_line = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        message = (f"PostgreSQL unreachable at {make_url(url).render_as_string(hide_password=True)}"
                   f" (set {POSTGRES_URL_ENV} to point elsewhere): {first_line}")
        if os.environ.get("CI") == "true":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    finally:
        engine.dispose()
    return url


def _with_search_path(url: str, schema: str) -> str:
    from sqlalchemy.engine import make_url

    sa_url = make_url(url)
    return sa_url.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
        hide_password=False
    )


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path) -> str:
    """An empty database (no tables): a SQLite file or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.db'}"
        return
    yield from _postgres_schema(request.getfixturevalue("postgres_server_url"))


@pytest.fixture
def postgres_database_url(postgres_server_url: str) -> str:
    """An empty PostgreSQL database (a fresh schema), for a test that compares it with SQLite."""
    yield from _postgres_schema(postgres_server_url)


def _postgres_schema(server: str):
    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool

    schema = f"nc_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        yield _with_search_path(server, schema)
    finally:
        with admin.connect() as conn:
            conn.execute(text("SET lock_timeout = '10s'"))
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def db_engine(database_url: str):
    """An engine on ``database_url`` migrated to the newest revision."""
    from newscrawl.store.db import make_engine, upgrade

    engine = make_engine(database_url)
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def db_session(db_engine):
    """A session on the migrated database; whatever is left uncommitted is rolled back."""
    from sqlalchemy.orm import Session

    session = Session(db_engine, expire_on_commit=False)
    try:
        yield session
    finally:
        session.rollback()
        session.close()


@pytest.fixture(scope="session")
def installed(tmp_path_factory):
    """A folder holding newscrawl as a non-editable install of a wheel built from this checkout
    (``pip wheel`` + ``pip install --target``: no network, no build isolation). Put it first on
    ``PYTHONPATH``; its ``bin/newscrawl`` is the installed command.

    The wheel is built from a copy of the package files: setuptools' in-tree ``build/`` folder
    would keep modules deleted since an earlier build and put them in the wheel."""
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    repo = Path(__file__).resolve().parents[1]
    source = tmp_path_factory.mktemp("source")
    wheels = tmp_path_factory.mktemp("wheels")
    target = tmp_path_factory.mktemp("site")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(repo / name, source / name)
    shutil.copytree(repo / "newscrawl", source / "newscrawl",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
         "-w", str(wheels), str(source)], capture_output=True, text=True)
    assert build.returncode == 0, build.stderr[-2000:]
    (wheel,) = wheels.glob("newscrawl-*.whl")
    install = subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target), str(wheel)],
        capture_output=True, text=True)
    assert install.returncode == 0, install.stderr[-2000:]
    return target
