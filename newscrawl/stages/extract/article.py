"""Extract stage: decoded HTML -> article text blocks and metadata.

:func:`extract_article` ties the parts together, each in a module of its own:

* :mod:`.tree` parses the page as trafilatura does and repairs the tree as a browser would show
  it (stray content moved into the body, swallowing furniture demoted, markup nested too deep
  flattened with :mod:`.nesting`);
* :mod:`.metadata` reads what the page says about its article (title, dates with their sources,
  authors, canonical URL, site name, section) before the body extractor prunes the tree;
* :mod:`.body` takes trafilatura's body and weighs the other candidates against it;
* :mod:`.container` reads the article's container (the clean stage cuts closing lines outside it);
* :mod:`.flattened` cuts a body block that holds a whole article back into the page's lines;
* :mod:`.attribution` names the wire service or publisher a copy credits.

A leading block equal to the title is dropped: the title is stored on its own. The page's other
text blocks (navigation, sidebars, footers...) are returned as ``outside_blocks`` so the language
stage can tell what languages the page chrome is in; nothing is taken from them into the body.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from newscrawl.model import ArticleMetadata, Block
from newscrawl.stages.extract.attribution import Credit, credits
from newscrawl.stages.extract.body import choose_body, link_texts, recall_collapse_rescue, trafilatura_body
from newscrawl.stages.extract.container import container_key, densest_container
from newscrawl.stages.extract.flattened import resegment_flattened
from newscrawl.stages.extract.hidden import hidden_only_keys
from newscrawl.stages.extract.metadata import read_metadata
from newscrawl.stages.extract.tree import parse_page, visible_blocks
from newscrawl.stages.extract.whitespace import collapsed

#: Pages larger than this are cut before parsing: real articles are far smaller, and lxml's cost
#: and memory grow with the tree. Recorded as a repair so the cut is visible.
MAX_HTML_CHARS = 5_000_000


@dataclass(slots=True)
class Extracted(ArticleMetadata):
    """What the extract stage read of a page: the article's metadata (:class:`ArticleMetadata`,
    passed by keyword), its body blocks and what the later stages need besides."""

    blocks: list[Block]
    outside_blocks: list[str] = field(default_factory=list)
    credits: list[Credit] = field(default_factory=list)
    #: Which extractor's body was kept: trafilatura | trafilatura-balanced | json-ld | readability
    #: | paragraphs.
    body_source: str = "trafilatura"
    truncated: bool = False
    #: Elements whose tags were dropped because the page nested deeper than the parser goes
    #: (:mod:`.nesting`: unclosed wrappers, then what lies too deep); 0 on every other page.
    nesting_tags_dropped: int = 0
    #: The words of body blocks that stand only in elements the page hides (:mod:`.hidden`): clean
    #: drops them after its closing cut, which judges the run of closing lines as the page has it.
    hidden_keys: frozenset[str] = frozenset()
    #: The words of the article's container (:func:`.container.container_key`): the clean stage
    #: cuts closing lines that stand outside it.
    container_text: str = ""
    #: The page's visible text blocks, its links' texts and the publisher's JSON-LD
    #: ``articleBody``: what a selection among body candidates weighs them against.
    visible_blocks: list[str] = field(default_factory=list)
    link_texts: frozenset[str] = frozenset()
    json_ld_body: str | None = None


def extract_article(html: str, url: str) -> Extracted:
    """Title, body blocks, dates, authors, canonical URL and site name of an article page."""
    truncated = len(html) > MAX_HTML_CHARS
    if truncated:
        html = html[:MAX_HTML_CHARS]
    if not html.strip():
        return Extracted(title=None, blocks=[], truncated=truncated)
    tree, html, flattened = parse_page(html)
    if tree is None:
        return Extracted(title=None, blocks=[], truncated=truncated)

    # Metadata is read here (title, authors, site, dates with their sources), so trafilatura is
    # asked for the body only: its own metadata pass would run htmldate a second time.
    page = read_metadata(tree, url)
    title = page.article.title
    links = link_texts(tree)
    visible = visible_blocks(tree)
    # One parse a page serves every reader: trafilatura prunes a copy of the tree it is given,
    # never the tree itself, and no other reader (metadata, htmldate, the recall-collapse rescue,
    # the densest-paragraph fallback, the flattened-block walk) changes it, so the readers after
    # the first trafilatura run read the page exactly as a new parse of ``html`` would give it.
    # Not fast mode: trafilatura's comparison with its readability and justext fallbacks is worth
    # its cost on every page, even where the fast result looks long enough. favor_recall: more
    # recall and no less precision, the clean stage removing what the wider net brings
    # (docs/measurements.md has the figures of each choice).
    blocks = trafilatura_body(tree, url, links, favor_recall=True)
    blocks, recall_source = recall_collapse_rescue(blocks, visible, html, url, links, tree=tree)
    blocks, body_source = choose_body(blocks, page.json_ld, html, url, lambda: tree)
    if body_source == "trafilatura":
        body_source = recall_source
    blocks = resegment_flattened(blocks, lambda: tree)
    frame = densest_container(tree)
    hidden = hidden_only_keys(blocks, tree, frame)
    if blocks and title and collapsed(title).casefold() == blocks[0].text.casefold():
        blocks = blocks[1:]

    body_keys = {b.text.casefold() for b in blocks}
    outside = [b for b in visible if b.casefold() not in body_keys]
    return Extracted(
        **page.article.metadata_values(),
        blocks=blocks,
        outside_blocks=outside,
        credits=credits([b.text for b in blocks], outside, page.byline_orgs, page.json_ld),
        body_source=body_source,
        truncated=truncated,
        nesting_tags_dropped=flattened,
        hidden_keys=hidden,
        container_text=container_key(frame),
        visible_blocks=visible,
        link_texts=frozenset(links),
        json_ld_body=ld_body if isinstance(ld_body := (page.json_ld or {}).get("articleBody"), str) else None,
    )
