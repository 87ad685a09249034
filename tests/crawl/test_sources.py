"""Sources TOML loading and validation (newscrawl.crawl.sources)."""

from __future__ import annotations

import pytest

from newscrawl.crawl.sources import (Source, load_sources, sources_from_args, split_urls,
                                     url_in_domains)


def write(tmp_path, text: str):
    path = tmp_path / "sources.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_load_sources_derives_domains(tmp_path):
    path = write(tmp_path, """
[[sources]]
name = "Daily"
feeds = ["http://daily.example/rss.xml", "http://feeds.daily.example/atom"]
sitemaps = ["http://daily.example/robots.txt"]

[[sources]]
name = "Wire"
sitemaps = ["http://wire.example/sitemap.xml"]
domains = ["cdn.wire.example", "WIRE.example"]
""")
    daily, wire = load_sources(path)
    assert daily == Source(
        name="Daily",
        feeds=("http://daily.example/rss.xml", "http://feeds.daily.example/atom"),
        sitemaps=("http://daily.example/robots.txt",),
        allowed_domains=("daily.example", "feeds.daily.example"),
    )
    assert wire.feeds == ()
    assert wire.allowed_domains == ("wire.example", "cdn.wire.example")


@pytest.mark.parametrize(("text", "message"), [
    ('[[sources]]\nfeeds = ["http://a.example/f"]\n', "missing or empty 'name'"),
    ('[[sources]]\nname = "A"\nfeeds = ["ftp://a.example/f"]\n', "not an absolute http(s) URL"),
    ('[[sources]]\nname = "A"\nfeeds = ["/relative"]\n', "not an absolute http(s) URL"),
    ('[[sources]]\nname = "A"\nfeeds = ["http://a.example/f"]\nfeed = "x"\n', "unknown key(s) ['feed']"),
    ('[[sources]]\nname = "A"\n', "at least one feed or sitemap"),
    ('[[sources]]\nname = "A"\nfeeds = ["http://a.example/f"]\n'
     '[[sources]]\nname = "A"\nfeeds = ["http://b.example/f"]\n', "duplicate name"),
    ('[[sources]]\nname = "A"\nfeeds = ["http://a.example/f"]\ndomains = ["http://x.example"]\n',
     "domain must be a host name, or host:port"),
    ('[[sources]]\nname = "A"\nfeeds = ["http://a.example/f"]\ndomains = ["x.example:99999"]\n',
     "domain must be a host name, or host:port"),
    ('[[sources]]\nname = "A"\nfeeds = ["http://a.example/f"]\ndomains = ["x.example:web"]\n',
     "domain must be a host name, or host:port"),
    ('[[sources]]\nname = "A"\nfeeds = ["http://a.example/f"]\ndomains = ["x.example:"]\n',
     "domain must be a host name, or host:port"),
    ('title = "x"\n', "unknown top-level key"),
    ('sources = []\n', "no [[sources]] entries"),
    ('[[sources]\n', "invalid TOML"),
])
def test_load_sources_errors_name_file_and_entry(tmp_path, text, message):
    path = write(tmp_path, text)
    with pytest.raises(ValueError) as err:
        load_sources(path)
    assert message in str(err.value)
    assert str(path) in str(err.value)


def test_error_names_the_entry(tmp_path):
    path = write(tmp_path, '[[sources]]\nname = "Good"\nfeeds = ["http://a.example/f"]\n'
                           '[[sources]]\nname = "Bad"\nfeeds = ["nope"]\n')
    with pytest.raises(ValueError, match=r"source 'Bad' \(entry #2\)"):
        load_sources(path)


def test_missing_file(tmp_path):
    with pytest.raises(ValueError, match="cannot read"):
        load_sources(tmp_path / "nope.toml")


def test_split_urls():
    assert split_urls(" a , b,,c ") == ["a", "b", "c"]
    assert split_urls(["a", " "]) == ["a"]
    assert split_urls(None) == []


def test_sources_from_args_groups_one_off_urls_by_host():
    sources = sources_from_args(
        feeds="http://a.example/rss,http://b.example/atom",
        sitemaps="http://a.example/robots.txt")
    assert [(s.name, s.feeds, s.sitemaps, s.allowed_domains) for s in sources] == [
        ("a.example", ("http://a.example/rss",), ("http://a.example/robots.txt",), ("a.example",)),
        ("b.example", ("http://b.example/atom",), (), ("b.example",)),
    ]


def test_sources_from_args_combines_file_and_args(tmp_path):
    path = write(tmp_path, '[[sources]]\nname = "a.example"\nfeeds = ["http://a.example/f"]\n')
    sources = sources_from_args(sources=str(path), feeds=["http://a.example/other"])
    assert [s.name for s in sources] == ["a.example", "a.example (args)"]


def test_sources_from_args_needs_something():
    with pytest.raises(ValueError, match="nothing to crawl"):
        sources_from_args()
    with pytest.raises(ValueError, match="feeds argument"):
        sources_from_args(feeds="not-a-url")


@pytest.mark.parametrize("domain", ["com", "co.uk", "uk", "github.io", "COM."])
def test_a_public_suffix_is_not_a_domain(tmp_path, domain):
    path = tmp_path / "s.toml"
    path.write_text(f'[[sources]]\nname = "Wide"\nfeeds = ["http://a.example/rss.xml"]\n'
                    f'domains = ["{domain}"]\n')
    with pytest.raises(ValueError, match="public suffix"):
        load_sources(path)


def test_site_domains_are_accepted(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text('[[sources]]\nname = "Fine"\nfeeds = ["http://a.example/rss.xml"]\n'
                    'domains = ["cdn.a.example", "news.bbc.co.uk", "intranet", "10.0.0.8"]\n')
    assert load_sources(path)[0].allowed_domains == (
        "a.example", "cdn.a.example", "news.bbc.co.uk", "intranet", "10.0.0.8")


def test_ports_are_part_of_the_site(tmp_path):
    path = write(tmp_path, '[[sources]]\nname = "Local"\n'
                           'feeds = ["http://127.0.0.1:8765/rss.xml", "https://a.example:443/f"]\n'
                           'domains = ["CDN.c.example:8443", "[::1]:9000", "b.example"]\n')
    (local,) = load_sources(path)
    assert local.allowed_domains == ("127.0.0.1:8765", "a.example", "cdn.c.example:8443",
                                     "[::1]:9000", "b.example")
    on = lambda url: url_in_domains(url, local.allowed_domains)  # noqa: E731
    assert on("http://127.0.0.1:8765/news/a")
    assert not on("http://127.0.0.1/news/a") and not on("http://127.0.0.1:8766/news/a")
    assert on("https://a.example/x") and on("http://www.a.example:8080/x")  # a bare host: any port
    assert on("https://img.cdn.c.example:8443/x") and not on("https://cdn.c.example/x")
    assert on("http://[::1]:9000/x") and not on("http://[::1]:9001/x")
    assert on("http://b.example:81/x") and not on("http://notb.example/x")
    assert not on("http://127.0.0.1:99999/x") and not on("http://127.0.0.1:x/y")
    assert not on("http://user@evil.example/?127.0.0.1:8765")


def test_one_off_urls_are_grouped_by_host_and_port():
    sources = sources_from_args(feeds="http://127.0.0.1:8001/rss,http://127.0.0.1:8002/rss,"
                                      "http://127.0.0.1:8001/atom,http://a.example:80/rss")
    assert [(s.name, s.allowed_domains) for s in sources] == [
        ("127.0.0.1:8001", ("127.0.0.1:8001",)), ("127.0.0.1:8002", ("127.0.0.1:8002",)),
        ("a.example", ("a.example",))]
