"""The old dotted paths a deployment's Scrapy settings may still name resolve to the same objects
as the new ones, and warn with :class:`newscrawl.moved.NewscrawlDeprecationWarning`.

Each old path is loaded in a fresh interpreter (as Scrapy would load it from a settings value),
so the warning given once at import is seen whatever this test process imported before.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

# old dotted path -> new dotted path (a module, or an object in one)
MOVED = {
    "newscrawl.settings": "newscrawl.crawl.settings",
    "newscrawl.pipelines.StorePipeline": "newscrawl.crawl.pipelines.StorePipeline",
    "newscrawl.frontier.RedisFrontier": "newscrawl.crawl.shared.addon.RedisFrontier",
    "newscrawl.frontier.SharedScheduler": "newscrawl.crawl.shared.frontier.SharedScheduler",
    "newscrawl.frontier.SlotAwareQueue": "newscrawl.crawl.shared.frontier.SlotAwareQueue",
    "newscrawl.frontier.redis_url": "newscrawl.crawl.shared.keys.redis_url",
    "newscrawl.politeness.SharedConcurrencyMiddleware":
        "newscrawl.crawl.politeness.slots.SharedConcurrencyMiddleware",
    "newscrawl.politeness.SharedPacingMiddleware":
        "newscrawl.crawl.politeness.pacing.SharedPacingMiddleware",
    "newscrawl.politeness.SharedRobotsTxtMiddleware":
        "newscrawl.crawl.politeness.robots.SharedRobotsTxtMiddleware",
    "newscrawl.politeness.SiteAwarePriorityQueue":
        "newscrawl.crawl.politeness.queue.SiteAwarePriorityQueue",
}

LOAD = """
import importlib, json, sys, warnings
from scrapy.utils.misc import load_object
from newscrawl.moved import NewscrawlDeprecationWarning

def resolve(path):
    try:
        return importlib.import_module(path)
    except ModuleNotFoundError:
        return load_object(path)

old, new = sys.argv[1], sys.argv[2]
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    old_object = resolve(old)
moved = [str(w.message) for w in caught if issubclass(w.category, NewscrawlDeprecationWarning)]
new_object = resolve(new)
if old_object is not new_object and isinstance(old_object, type(sys)):
    # a whole module: the old one re-exports every public name of the new one
    same = all(getattr(old_object, name) is getattr(new_object, name)
               for name in dir(new_object) if name.isupper())
else:
    same = old_object is new_object
print(json.dumps({"same": same, "warnings": moved}))
"""


@pytest.mark.parametrize("old", sorted(MOVED))
def test_an_old_path_resolves_to_the_new_object_and_warns(old):
    done = subprocess.run([sys.executable, "-c", LOAD, old, MOVED[old]], cwd=REPO,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["same"], f"{old} is not {MOVED[old]}"
    old_module = old if old == "newscrawl.settings" else old.rpartition(".")[0]
    assert any(w.startswith(f"{old_module} has moved to ") for w in result["warnings"]), result


def test_the_old_modules_still_export_every_public_class_they_exported():
    import warnings

    from newscrawl.moved import NewscrawlDeprecationWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NewscrawlDeprecationWarning)
        import newscrawl.frontier
        import newscrawl.politeness

    assert set(newscrawl.frontier.__all__) >= {
        "RedisFrontier", "SharedScheduler", "SlotAwareQueue", "redis_url"}
    assert set(newscrawl.politeness.__all__) >= {
        "SharedConcurrencyMiddleware", "SharedPacingMiddleware", "SharedRobotsTxtMiddleware",
        "SiteAwarePriorityQueue"}
