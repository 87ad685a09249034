"""The stages in order, without Scrapy or a database.

Each ``step_*`` function runs one stage on a :class:`Work` (the page and what earlier stages
produced) and writes only its own fields. :func:`process_page` runs them all; the Scrapy item
pipelines (:mod:`newscrawl.crawl.pipelines`) run one step each; ``newscrawl ingest`` calls
:func:`process_page` then the store. One definition of each step serves all three, so a crawled
page and an ingested file go through exactly the same code.

Once a step sets ``record.skip_reason`` (binary body, error status, empty after extraction...)
later steps do nothing: the page is recorded as a fetch with that reason, never as a version.
"""

from __future__ import annotations

import datetime as dt
import gc
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from urllib.parse import urljoin

from newscrawl.model import ArticleRecord, Block, Page, Repair, site_of
from newscrawl.stages.clean import clean_blocks
from newscrawl.stages.decode import Decoded, NotText, decode_html
from newscrawl.stages.domains import registrable_domain
from newscrawl.stages.extract import MAX_HTML_CHARS, Extracted, extract_article, warm_up_dates, warm_up_extract
from newscrawl.stages.extract.body import FILL_ORDER, fills, needs_fill, other_body
from newscrawl.stages.extract.container import cut_closing_run_outside_container
from newscrawl.stages.extract.hidden import drop_hidden_blocks
from newscrawl.stages.extract.selection import select_body
from newscrawl.stages.fingerprint import fingerprint_and_cut
from newscrawl.stages.language import analyse_languages, load_models
from newscrawl.stages.pagetype import non_article_reason
from newscrawl.stages.repair import merge_repairs, repair_blocks, repair_text

logger = logging.getLogger(__name__)

#: Content types that can hold an article page. Feeds, sitemaps, robots.txt, images and PDFs are
#: recorded as fetches with the reason ``content_type:<type>``; a missing type is sniffed by decode.
_HTML_TYPES = ("text/html", "application/xhtml+xml")
#: Bytes of a body decoded. Extract reads no more than ``MAX_HTML_CHARS`` characters, and no
#: encoding spends more than 4 bytes on a character, so the bytes past this can never reach the
#: text; decoding (and detecting the charset of) a body of tens of megabytes would cost seconds
#: and hundreds of megabytes for nothing. Recorded as a repair when a body is cut.
MAX_DECODE_BYTES = 4 * MAX_HTML_CHARS


@dataclass(slots=True)
class Work:
    page: Page
    record: ArticleRecord
    decoded: Decoded | None = None
    extracted: Extracted | None = None
    blocks: list[Block] = field(default_factory=list)
    #: The cleaned body before a selection among candidates replaced it (what the selection model
    #: is trained against); None until clean ran.
    default_body: str | None = None
    #: Whether the selection's gate fired (the other candidates ran).
    candidates_ran: bool = False

    @property
    def skipped(self) -> bool:
        return self.record.skip_reason is not None


def start(page: Page) -> Work:
    return Work(page=page, record=ArticleRecord(url=page.url, site=site_of(page.url)))


def step_decode(work: Work) -> None:
    page = work.page
    if page.status >= 400:
        work.record.skip_reason = f"http_status_{page.status}"
        return
    ctype = (page.content_type or "").split(";")[0].strip().lower()
    if ctype and not ctype.startswith(_HTML_TYPES):
        work.record.skip_reason = f"content_type:{ctype}"
        return
    if not page.body.strip():
        work.record.skip_reason = "empty_body"
        return
    body = page.body[:MAX_DECODE_BYTES]
    try:
        decoded = decode_html(body, page.content_type)
    except NotText as exc:
        work.record.skip_reason = f"not_text:{exc}"
        return
    work.decoded = decoded
    rec = work.record
    if len(page.body) > len(body):
        rec.repairs.append(Repair("decode", "truncated_body", len(page.body) - len(body)))
    rec.encoding, rec.encoding_source, rec.encoding_conflict = (
        decoded.encoding, decoded.source, decoded.conflict)
    if decoded.conflict:
        rec.repairs.append(Repair("decode", "charset_conflict", 1, (decoded.conflict,)))
    if decoded.replacement_count:
        rec.repairs.append(Repair("decode", "replacement_chars", decoded.replacement_count))
    if decoded.double_encoding_repairs:
        rec.repairs.append(Repair("decode", "double_encoding", decoded.double_encoding_repairs))


def canonical_elsewhere(canonical_url: str | None, url: str) -> str | None:
    """The site of ``canonical_url`` (relative to ``url``, the requested URL) when it belongs to
    another registrable domain than ``url`` does, else None.

    Registrable domains, not host names: a publisher names its ``www.`` host, its mobile host
    (``m.``) or its apex as canonical for one another, and that is the same site; a host under no
    known public suffix (an address, a reserved or intranet name) is compared whole.

    A page that names another site as its home is either a reprint (syndication: legitimate and
    common, the wire service's URL as canonical) or a response that was not the one asked for (a
    mis-framed response on a reused connection, a cache serving the wrong page). Both are kept;
    the record says so, so no such page becomes a version under the requested URL unflagged.
    """
    if not canonical_url:
        return None
    try:
        absolute = urljoin(url, canonical_url.strip())
        other = site_of(absolute) if absolute.startswith(("http://", "https://")) else None
    except ValueError:  # a malformed canonical (an unclosed IPv6 bracket) names no site
        return None
    if not other:
        return None
    return other if registrable_domain(other) != registrable_domain(site_of(url)) else None


def step_extract(work: Work) -> None:
    if work.skipped or work.decoded is None:
        return
    extracted = extract_article(work.decoded.text, work.page.url)
    work.extracted = extracted
    work.blocks = list(extracted.blocks)
    rec = work.record
    # The record keeps every metadata field extract read (both build on ArticleMetadata).
    for name, value in extracted.metadata_values().items():
        setattr(rec, name, value)
    rec.wire = [credit.to_dict() for credit in extracted.credits]
    if extracted.truncated:
        rec.repairs.append(Repair("extract", "truncated_html", 1))
    if extracted.nesting_tags_dropped:
        rec.repairs.append(Repair("extract", "deep_nesting_flattened", extracted.nesting_tags_dropped))
    elsewhere = canonical_elsewhere(rec.canonical_url, rec.url)
    if elsewhere:
        rec.repairs.append(Repair("extract", "canonical_elsewhere", 1, (elsewhere,)))
    if not work.blocks:
        rec.skip_reason = "no_article_text"


def step_repair(work: Work) -> None:
    if work.skipped:
        return
    work.blocks, repairs = repair_blocks(work.blocks)
    if work.record.title:
        work.record.title, title_repairs = repair_text(work.record.title)
        repairs = merge_repairs(repairs + title_repairs)
    work.record.repairs.extend(repairs)


def step_language(work: Work) -> None:
    if work.skipped:
        return
    outside = work.extracted.outside_blocks if work.extracted else []
    result = analyse_languages(work.blocks, outside)
    work.blocks = result.blocks
    rec = work.record
    rec.language, rec.language_confidence = result.language, result.confidence
    rec.chrome_languages = result.chrome_languages
    rec.repairs.extend(result.repairs)


def step_clean(work: Work) -> None:
    if not work.skipped:
        clean_body(work)
    fill_short_body(work)


def clean_body(work: Work) -> None:
    """The clean stage on the extracted body (its rules, the closing cut, hidden text), the
    selection among candidates where a model is installed, and the page-type verdict."""
    work.blocks, repairs = clean_blocks(work.blocks)
    work.record.repairs.extend(repairs)
    if work.extracted is not None:
        # Closing lines outside the article's container, judged after clean's own rules removed
        # what they know (a copyright line no longer hides the run before it).
        work.blocks, cut = cut_closing_run_outside_container(work.blocks, work.extracted.container_text)
        if cut:
            work.record.repairs.append(Repair("clean", "closing_blocks_outside_article", cut))
        # Hidden text goes after the cut: a hidden line in the closing run still counts there
        # as the page has it, so dropping it first could shorten the run below the cut's length.
        work.blocks, hidden = drop_hidden_blocks(work.blocks, work.extracted.hidden_keys)
        if hidden:
            work.record.repairs.append(Repair("clean", "hidden_blocks_dropped", hidden))
    work.record.body = "\n\n".join(b.text for b in work.blocks)
    extracted = work.extracted
    work.default_body = work.record.body
    if extracted is not None and work.decoded is not None:
        # Where the cleaned body looks doubtful, another extractor's body may hold the article
        # better; only when a selection model file is installed (docs/extraction.md, "Selection
        # among candidates": none is shipped).
        work.candidates_ran, choice = select_body(work.record.body, extracted.visible_blocks, extracted.link_texts,
                             extracted.json_ld_body, work.decoded.text[:MAX_HTML_CHARS], work.record.url)
        if choice is not None:
            name, text = choice
            work.blocks = [Block(line) for line in text.split("\n")]
            work.record.body = "\n\n".join(b.text for b in work.blocks)
            work.record.repairs.append(Repair("extract", "body_selected", 1, (name,)))
    # The whole page's text, prompts that clean removed from the body included.
    page_text = "\n".join(extracted.outside_blocks + [b.text for b in extracted.blocks]) if extracted else ""
    reason = non_article_reason(work.record.body, page_text, extracted.blocks if extracted else [], work.blocks,
                                extracted.link_texts if extracted else frozenset())
    if reason:
        work.record.skip_reason = reason


def clean_other_body(work: Work, blocks: list[Block]) -> Work:
    """Another extractor's body of ``work``'s page (``blocks``) taken through the steps the body
    went through after extract (repair, language, clean with its page-type check), as a new
    :class:`Work` whose record holds the cleaned body, its language, repairs and skip reason.
    The page's title goes along when extract found no body (the repair step never saw it)."""
    rec = work.record
    trial = Work(page=work.page, record=ArticleRecord(url=rec.url, site=rec.site), decoded=work.decoded,
                 extracted=work.extracted, blocks=list(blocks))
    if rec.skip_reason == "no_article_text":
        trial.record.title = rec.title
    if not trial.blocks:
        trial.record.skip_reason = "no_article_text"
        return trial
    step_repair(trial)
    step_language(trial)
    clean_body(trial)
    return trial


def fill_short_body(work: Work) -> None:
    """Where the cleaned body is nearly empty (:func:`.extract.body.needs_fill`), the first other
    extractor's body (``FILL_ORDER``) that, cleaned the same way, is long enough
    (:func:`.extract.body.fills`) becomes the body, with its language and its page-type verdict,
    unless that verdict would skip a page stored as an article;
    a repair ``extract/body_filled`` names the extractor. Pages stopped before extract (status,
    content type, decoding) or by a failed stage are left as they are."""
    rec = work.record
    if work.extracted is None or work.decoded is None or (rec.skip_reason or "").startswith("stage_failed") \
            or not needs_fill(rec.body or ""):
        return
    html = work.decoded.text[:MAX_HTML_CHARS]
    for name in FILL_ORDER:
        trial = clean_other_body(work, other_body(name, html, rec.url, work.extracted.link_texts,
                                                  work.extracted.json_ld_body))
        filled = trial.record
        # A page stored as a (short) article stays stored: a fill that the page-type check
        # would turn away loses the record, which is worse than a short body.
        if not fills(filled.body) or (rec.skip_reason is None and filled.skip_reason is not None):
            continue
        work.blocks = trial.blocks
        if rec.skip_reason == "no_article_text":
            rec.title = filled.title
        rec.body, rec.skip_reason = filled.body, filled.skip_reason
        rec.language, rec.language_confidence = filled.language, filled.language_confidence
        rec.chrome_languages = filled.chrome_languages
        rec.repairs.append(Repair("extract", "body_filled", 1, (name,)))
        rec.repairs.extend(filled.repairs)
        return


def step_fingerprint(work: Work) -> None:
    if work.skipped:
        return
    work.record.fingerprint, left_out = fingerprint_and_cut(work.record.body)
    if left_out:
        # The body is kept whole; only the candidate lookup saw its first words.
        work.record.repairs.append(Repair("fingerprint", "fingerprint_text_cut", left_out))


#: The stages after the spider and before the store, in order.
STEPS: tuple[Callable[[Work], None], ...] = (
    step_decode, step_extract, step_repair, step_language, step_clean, step_fingerprint,
)


def warm_up(*, dates: bool = True) -> None:
    """Load now what the stages would otherwise load while processing some page: the language
    detectors' models and the date parser's locale data (:func:`warm_up_dates`; not with
    ``dates`` False: few pages ask for it), seconds in all.
    A process that runs many pages (an ingest's stage worker, a benchmark's worker) calls it when
    it starts, so that no page's time holds a once-per-process cost; records are the same.

    What is loaded then stays for the process's life, so it is moved out of the garbage
    collector's sight (``gc.freeze``): a full collection would otherwise walk those hundreds of
    thousands of objects again and again, for nothing to free.

    Each part is loaded once a process: a stage worker forked from a warm fork server
    (:mod:`newscrawl.stages.warmed`) finds them done and only freezes what it made itself (the
    date parser's and the stoplist's warm-ups would otherwise run again in every worker)."""
    if not _WARMED:
        load_models()
        warm_up_extract()
        registrable_domain("www.example.com")  # loads the Public Suffix List
        _WARMED.add("stages")
    if dates and "dates" not in _WARMED:
        warm_up_dates()
        _WARMED.add("dates")
    gc.collect()
    gc.freeze()


#: What :func:`warm_up` has loaded in this process (inherited by a process forked from it).
_WARMED: set[str] = set()


def run_step(step: Callable[[Work], None], work: Work) -> None:
    """Run one stage on ``work``. A stage that raises on a page (a library's bug on hostile
    input, a tree too deep to walk) makes that page a recorded skip, ``stage_failed:<stage>:
    <error>``, with its raw bytes kept by the store, rather than an exception that would lose the
    page (Scrapy drops an item whose pipeline raises) or end an ingest. What the failing stage
    had set before it raised stays on the record but is not stored as an article."""
    try:
        step(work)
    except Exception as exc:  # noqa: BLE001 - any failure of one page is that page's skip
        stage = step.__name__.removeprefix("step_")
        work.record.skip_reason = f"stage_failed:{stage}:{type(exc).__name__}"
        logger.warning("%s: the %s stage failed (%s: %s); the page is recorded as skipped",
                       work.page.url, stage, type(exc).__name__, str(exc)[:200])


def run_steps(page: Page) -> Work:
    work = start(page)
    for step in STEPS:
        run_step(step, work)
    return work


def process_page(
    body: bytes,
    url: str,
    headers: Mapping[str, str] | None = None,
    *,
    status: int = 200,
    fetched_at: dt.datetime | None = None,
) -> ArticleRecord:
    """Run every stage on one page and return its record (``skip_reason`` set if not an article)."""
    return run_steps(Page.build(url, body, headers, status, fetched_at)).record
