"""Store test fixtures (the database fixtures are in tests/conftest.py)."""

from __future__ import annotations

import pytest

from evaluation.articles import make_article


@pytest.fixture
def article():
    """The :func:`~.articles.make_article` factory: ``article(url, body, **options)``."""
    return make_article
