"""Evaluation material, not installed with newscrawl: corpora built from ../shared/data,
generators (spinner, wire-site networks, chrome pages) and the sample articles of the tests
and benchmarks. It may import anything in newscrawl; newscrawl never imports it."""
