"""Clean stage: remove the boilerplate that survives extraction, by general rules.

Every rule is a *kind* of page furniture that news sites share, never a phrase from one page, and
each removal is recorded (kind, count, examples) on the version:

* ``ad_marker``: a block that is only an advertising label ("Advertisement", "Story continues
  below advertisement", "Sponsored").
* ``prompt``: subscription, newsletter, app-download and tip-line prompts -- the whole block when
  it is only a prompt; the prompt *cut off* when a CMS glued it onto a paragraph with no space
  ("...on Tuesday.Get the full experience.Choose your plan").
* ``share``: share/follow lines.
* ``caption``: photo captions and credits ("FILE - ...", "(Photo: ...)", "... (Agency Photo/Name)"),
  also a credit glued into a paragraph.
* ``related_headline``: a short block that is all link text, or reads like a headline, after the
  article or (a few) between its paragraphs -- other stories' headlines; not a closing run that
  opens line by line with dates or numbers (tour dates, a schedule: the article's own list), nor
  a link whose text is a written-out web address (a source the article cites).
* ``tail``: everything after a heading that opens a related-stories, comments or reply section
  ("Related Posts", "Leave a Reply", "N Responses to ..."), when it comes in the second half of
  the body: those sections are never followed by more of the article; and everything after a
  tip line ("Have a news tip? ...") that time-stamped teasers ("2 hours ago") follow.
* ``comment_form``: comment-form lines anywhere.
* ``date_line``: a block that is only a date or time (the page's date line; dates are metadata).
* ``toc``: a table of contents (its heading and the list or links right after it).
* ``label``: labels of furniture inside the article container ("About the author", "Tags").
* ``disclosure``: affiliate and sponsorship disclosures ("we may earn a commission").
* ``copyright``: a copyright line ("© 2026 Example Media. All rights reserved.").
* ``form_message``: what a form says once sent ("Thank you! Your submission has been received!"),
  which site builders keep hidden in every page.
* ``duplicate``: a paragraph the body already has (pull quotes, repeated captions and teasers);
  not a short line repeated as the article's structure (a meal plan's "Breakfast: ..." each day),
  nor the one long paragraph of a page whose only repeat it is.
* ``layout_table``: a table before the article's first prose paragraph or after its last, with
  no cell as long as a paragraph and no rows of data: the menus, link columns and footers of a
  page laid out in tables.
* ``dangling_heading``: headings left at the very end, heading nothing.

Headings, lists, quotes and tables that belong to the article are not touched by any rule: the
rules match furniture, not block kinds (``layout_table`` asks where a table stands and what its
cells hold, not only that it is a table).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict

from newscrawl.model import Block, Repair
from newscrawl.stages.prose import is_prose

_I = re.IGNORECASE

AD_MARKER_RE = re.compile(
    r"^(?:advertisement|advertising|ad|ads|sponsored(?: content| links?)?|paid content|"
    r"(?:the )?(?:story|article|content) continues (?:below|after)(?: (?:this )?(?:advertisement|ad))?|"
    r"continue reading (?:below|the main story)|scroll to continue(?: with content)?)[\s.:]*$",
    _I,
)
_PROMPT = (
    r"get the full experience\.?(?:\s*choose your plan(?:\s*arrow\s*right)?)?|"
    r"choose your plan(?:\s*arrow\s*right)?|"
    r"subscribe (?:now|today|to (?:our|the) newsletter)[^.!]*[.!]?|"
    r"sign up (?:for|to) (?:our|the) [^.!]*newsletters?[^.!]*[.!]?|"
    r"sign up for (?:our|the) (?:free )?e-?mails?\b[^.!]*[.!]?|"
    # No leading wildcard: this alternation is also searched anywhere in a paragraph, where a
    # "[^.]{0,60}" prefix is tried from every position and costs the clean stage dearly.
    r"\b(?:straight|delivered|direct(?:ly)?|right) (?:to|in|into) your inbox[.!]?|"
    r"(?:download|get) (?:our|the) (?:free )?(?:[a-z]+ )?app[^.!]*[.!]?|"
    r"get our app\b[^\n]*|we want to hear from you[.!]?|"
    r"(?:have|got) a (?:news |story )?(?:tip|idea)(?: or (?:a )?tip)?\?[^\n]*|send us (?:a|your) (?:news )?tips?[^\n]*|"
    r"already a subscriber\?[^.!]*[.!]?"
)
# Words one of which every prompt pattern contains (a cheap pre-check).
_PROMPT_WORDS = ("experience", "plan", "subscri", "sign up", "app", "tip", "idea", "hear from", "inbox")
# A whole block that is a prompt; a logo's alt text of a letter or two may precede it ("Wp Get
# the full experience.").
PROMPT_RE = re.compile(rf"^(?:[A-Za-z]{{1,3}}\s+)?(?:{_PROMPT})\s*$", _I)
# A short block with a prompt anywhere in it (several prompts run together).
PROMPT_ANYWHERE_RE = re.compile(rf"(?:{_PROMPT})", _I)
PROMPT_BLOCK_MAX_WORDS = 30
# A prompt glued onto the end of a sentence: "...said.Get the full experience.Choose your plan".
GLUED_PROMPT_RE = re.compile(rf"(?<=[.!?\"”’])\s*(?:{_PROMPT})\s*$", _I)
SHARE_RE = re.compile(
    r"^(?:share(?: this)?(?: article| story| on \w+)?|tweet|email|print|copy link|"
    r"follow us on [\w ,]+|click to share on [\w ()]+|share via [\w ]+)[\s:.!]*$",
    _I,
)
CAPTION_RE = re.compile(
    r"^(?:file\s*[-–—]\s|photo:|image:|credit:|pictured:|caption:|(?:photo|image|picture)s? (?:courtesy|credit)\b)|"
    r"^(?:this|in this)(?: \w+){0,2} (?:photo|image|picture|photograph)s?\b.*\bvia [A-Z]{2,}\.?$|"
    r"\((?:[\w .'-]+ )?(?:photo|image|picture)s?(?:\s*/\s*|: ?| by )[^)]{1,80}\)\s*$|"
    r"(?:getty images|shutterstock|via reuters|/ ?afp)\s*\.?$",
    _I,
)
# A wire-photo caption glued onto the start of a paragraph: "This photo provided by X shows ...
# X via AGENCYThe next sentence" -- the credit "via AGENCY" runs into the capital that starts
# the article text.
GLUED_CAPTION_RE = re.compile(
    r"^(?i:this|in this)(?: \w+){0,2} (?i:photo|image|picture|photograph)s?\b.{10,600}?\bvia [A-Z]{2,}(?=[A-Z])"
)
# A block that is only a date (and maybe a time): a date line the extractor kept.
DATE_LINE_RE = re.compile(
    r"^(?:(?:published|updated|posted|last updated|last modified)(?: on)?\s*:?\s*)?"
    r"(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day,?\s+)?"
    r"(?:(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+\d{1,2}(?:st|nd|rd|th)?,?\s+\d{4}"
    r"|\d{1,2}(?:st|nd|rd|th)?\s+(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?,?\s+\d{4}"
    r"|\d{4}-\d{2}-\d{2})"
    r"(?:[,\sT]+(?:at\s+)?\d{1,2}:\d{2}(?::\d{2})?\s*(?:[ap]\.?m\.?)?(?:\s*[A-Z]{2,4}|\s*[+-]\d{2}:?\d{2})?)?\s*$",
    _I,
)
# A relative time alone on a line ("2 hours ago", "Yesterday"): a teaser's or a comment's time
# stamp in a list of other stories; an article states its own date as a date.
RELATIVE_TIME_RE = re.compile(
    r"^(?:(?:published|updated|posted)\s*:?\s*)?(?:(?:\d{1,3}|an?|one)\s+(?:seconds?|minutes?|mins?|hours?|hrs?|days?|"
    r"weeks?|months?)\s+ago|yesterday|just now)\.?$",
    _I,
)
# A photo credit in parentheses glued between two sentences of a paragraph.
GLUED_CREDIT_RE = re.compile(r"\s*\((?:photo|image|picture)s?(?::| by|/)\s*[^)]{1,80}\)(?=\S)", _I)
# Headings that open a section of *other* stories: cut only when what follows is not prose.
RELATED_HEADING_RE = re.compile(
    r"^(?:related(?: posts| stories| articles| news| content| coverage| reading)?|read more|"
    r"more (?:from|on) [\w .'-]{1,30}|more stories|most read|most popular|trending(?: news| now)?|"
    r"you (?:may|might) (?:also )?like|recommended(?: for you| stories| reading)?|what to read next|"
    r"read (?:this |these )?next|up next|more (?:news|articles|posts|to read|like this)|"
    r"(?:popular|latest) (?:posts|stories|articles|news|headlines)|editor'?s'? picks|don'?t miss|"
    r"you may have missed|also read|keep reading|(?:you may )?also check(?: out)?|"
    r"(?:sponsored|partner) (?:stories|content|links|articles|posts))[\s:.!]*$",
    _I,
)
# Headings that open the comments: comments are prose, but never the article.
COMMENTS_HEADING_RE = re.compile(
    r"^(?:leave a (?:reply|comment)|comments?(?: \(\d+\))?|\d+ (?:responses?|comments?|thoughts?) (?:to|on) .+|"
    r"post a comment|join the (?:conversation|discussion)|add a comment)[\s:.!]*$",
    _I,
)
#: A tail heading is short: a sentence that starts like one is prose.
TAIL_HEADING_MAX_WORDS = 8
COMMENT_FORM_RE = re.compile(
    r"your email address will not be published|required fields are marked|"
    r"save my name, email,? and website|^post comment$|^submit comment$|^(?:name|email|website)\s*\*?$|"
    r"you must be logged in to post a comment|^cancel reply$",
    _I,
)
# A table of contents: the heading, and the list or link lines right after it.
TOC_HEADING_RE = re.compile(r"^(?:table of contents|contents|in this (?:article|post|guide)|jump to(?: section)?|"
                            r"on this page|quick links|skip to)[\s:]*$", _I)
# A breadcrumb trail: a few short names joined by ">" or "»" ("News > World > Europe").
BREADCRUMB_RE = re.compile(r"^(?:[^\s>»›]+(?: [^\s>»›]+){0,3}\s*[>»›]\s*){1,6}[^\s>»›]+(?: [^\s>»›]+){0,3}$")
# Labels of page furniture that sit inside article containers.
LABEL_RE = re.compile(r"^(?:about the author|written by|share this (?:post|article|story)|article sources|"
                      r"tags|filed under|last updated(?: on)?|reviewed by|article reviewed by|no thanks|"
                      # Calls to action and reading-time chips: buttons, not sentences.
                      r"learn more|back to (?:blog|top|news|home|articles)|published|author|"
                      # Feedback widgets.
                      r"(?:was|did you find) this (?:article|page|post|content|information) (?:helpful|useful)\??|"
                      # Reading-time chips: "7 min read", "3 MIN. READ", "4 minute read time".
                      r"\d+ min(?:ute)?s?\.? read(?:ing)?(?: time)?|(?:estimated )?reading time|min read|"
                      r"enter (?:your )?e-?mail(?: address)?|get started(?: today| now)?|book a demo|"
                      r"start (?:your )?(?:free )?(?:trial|course)|where to buy|end of (?:article|story))[\s:.!]*$", _I)
# A button's "Learn more about <X>": no sentence punctuation at all, unlike a sentence that starts
# so ("Learn more about the tax types below:", "Learn more about the plan in our guide.").
CTA_LINK_RE = re.compile(r"^(?:learn|find out|discover|explore) more (?:about|on) [^.!?:]{1,80}$", _I)
# A copyright line: the site's legal footer, never the story's text. "Copyright" alone opens
# headings ("Copyright law after the ruling"), so a year or the sign must follow it.
COPYRIGHT_RE = re.compile(
    r"^(?:copyright\s*(?:©|\(c\)|\d{4})|©)|\ball rights reserved\b|"
    # The same line on the portals that republish wire copy, in their languages.
    r"todos los derechos reservados|tous droits réservés|alle rechte vorbehalten|"
    r"todos os direitos reservados|tutti i diritti riservati|alle rechten voorbehouden|"
    r"все права защищены|جميع الحقوق محفوظة|版权所有|版權所有|著作権|無断転載", _I)
COPYRIGHT_MAX_WORDS = 40
# What a form says after it is sent (site builders put both messages in the page, hidden).
FORM_MESSAGE_RE = re.compile(
    r"^\W*(?:thank you!?,? your submission has been received!?|"
    r"oops!? something went wrong while submitting the form\.?|"
    r"(?:awesome|great|success)[,!]? you'?re (?:now )?subscribed!?|"
    r"thanks?(?: you)? for (?:subscribing|signing up)[.!]?)$", _I)
# Affiliate and sponsorship disclosures: about the page's business, not the story.
DISCLOSURE_RE = re.compile(
    r"\b(?:we|i) (?:may )?(?:earn|receive) (?:a )?(?:small )?(?:commissions?|compensation)\b|"
    r"\b(?:this|our) (?:post|article|page|site) (?:contains|may contain) affiliate links\b|"
    r"^(?:disclaimer|disclosure|advertiser disclosure)\s*:.{0,300}\b(?:affiliate|commission|sponsor|compensat)", _I)
DISCLOSURE_MAX_WORDS = 60
# A table of contents flattened into one paragraph: "Table of Contents Expand ... What Is X? ...".
TOC_RUN_RE = re.compile(r"^(?:table of contents|contents|in this article)\b", _I)
TOC_MAX_WORDS = 80
# An inline link to another story under a label: "Related: <headline>", "Also read: <headline>"
# (a headline has no sentence end; "See also: the council's report." is a sentence).
RELATED_LINK_LABEL_RE = re.compile(
    r"^(?:related(?: (?:story|article|post|reading))?|see also|also read|read also|recommended(?: reading)?)"
    r"\s*:\s*[^.!?]{3,120}$", _I)
READ_MORE_RE = re.compile(r"^(?:read more|read the full (?:story|article)|source link|continue reading)[\s:.!»>]*.*$|"
                          # A review site's link to its own review of an item in the list.
                          r"^read (?:our|the) (?:full |complete )?[^.!?]{1,60} review$", _I)
# A cookie-consent banner's sentences, and the labels of its switches: the page's business, never
# the story. Removed only as a run at the body's edges (an article *about* cookies has them in its
# middle), and only when the run holds at least one full consent sentence.
CONSENT_SENTENCE_RE = re.compile(
    r"\b(?:we|this (?:web)?site|our (?:web)?site) (?:uses?|may use) cookies\b|\bcookies? (?:are|is) used\b|"
    r"\bcookies\b.{0,200}\b(?:consent|opt[- ]out|your (?:browser|preferences)|third[- ]party|analytics)\b|"
    r"\bby clicking [\"“]?accept", _I)
CONSENT_LABEL_RE = re.compile(
    r"^(?:manage (?:consent|cookies|preferences)|cookie (?:settings|preferences|policy)|privacy overview|"
    r"(?:accept|reject|decline|allow)(?: all)?(?: cookies)?|save (?:&|and) accept|always enabled|"
    r"necessary|functional|performance|analytics|advertisement|others?|non-necessary)[\s.:]*$", _I)
CONSENT_MAX_WORDS = 400  # category texts carry tables of cookie names and durations
# Inside such a run, any short block about cookies belongs to the banner (its category texts).
COOKIE_WORD_RE = re.compile(r"\bcookies?\b", _I)


def _consent_run(blocks: list[Block], indices: range) -> int:
    """How many blocks, walking ``indices`` from an edge of the body, form a consent banner."""
    run, sentences = 0, 0
    for i in indices:
        text = blocks[i].text.strip()
        if len(text.split()) > CONSENT_MAX_WORDS:
            break
        if CONSENT_SENTENCE_RE.search(text):
            sentences += 1
        elif not (CONSENT_LABEL_RE.match(text) or COOKIE_WORD_RE.search(text)):
            break
        run += 1
    return run if sentences else 0


def _consent_free_span(blocks: list[Block]) -> tuple[int, int]:
    """(start, end) of ``blocks`` without consent-banner runs at either edge. A run that would
    take everything is left alone: an article about cookies, or a consent wall (pagetype decides)."""
    n = len(blocks)
    tail = _consent_run(blocks, range(n - 1, -1, -1))
    tail = 0 if tail == n else tail
    head = _consent_run(blocks, range(n - tail))
    head = 0 if head == n - tail else head
    return head, n - tail


#: A block that is all link text and this short is a related-story headline, not prose.
RELATED_LINK_MAX_WORDS = 16
RELATED_LINK_MIN_RATIO = 0.9


#: Word range of a headline-like block: shorter ones are subheads or labels, longer ones prose.
HEADLINE_MIN_WORDS, HEADLINE_MAX_WORDS = 5, 16
_SENTENCE_END = tuple('.!?:;,"”’)…»')


def is_headline_like(block: Block) -> bool:
    """A short paragraph that does not end like a sentence: another story's headline pasted into
    the page (scraped copies lose the links, so link density cannot tell)."""
    text = block.text.strip()
    words = len(text.split())
    return (block.kind == "p" and HEADLINE_MIN_WORDS <= words <= HEADLINE_MAX_WORDS
            and text[:1].isupper() and not text.endswith(_SENTENCE_END))


#: A link whose text is a web address written out: the article citing its source or a petition
#: ("http://www.example.org/petition"), not another story, whose link shows its headline.
URL_TEXT_RE = re.compile(r"^(?:https?://|www\.)\S+$", _I)


def is_link_line(block: Block) -> bool:
    """A short paragraph that is all link text, and not a written-out address: a link to another
    story."""
    text = block.text.strip()
    return (block.kind == "p" and block.link_ratio >= RELATED_LINK_MIN_RATIO
            and len(text.split()) <= RELATED_LINK_MAX_WORDS and not URL_TEXT_RE.match(text))


class _Removals:
    def __init__(self) -> None:
        self.counts: dict[str, int] = defaultdict(int)
        self.examples: dict[str, list[str]] = defaultdict(list)
        #: Every removal in order, (kind, text removed): what a rule's held-out measurement reads.
        self.removed: list[tuple[str, str]] = []

    def add(self, kind: str, text: str) -> None:
        self.counts[kind] += 1
        self.removed.append((kind, text))
        if len(self.examples[kind]) < 3:
            self.examples[kind].append(text[:80])

    def repairs(self) -> list[Repair]:
        return [Repair("clean", k, n, tuple(self.examples[k])) for k, n in self.counts.items()]


def _may_hold_prompt(text: str) -> bool:
    """Whether one of the words every prompt pattern contains occurs (a cheap pre-check)."""
    lowered = text.casefold()
    return any(w in lowered for w in _PROMPT_WORDS)


def _whole_block_kind(block: Block) -> str | None:
    text = block.text.strip()
    words = len(text.split())  # once: most rules below hold only for short blocks
    if AD_MARKER_RE.match(text):
        return "ad_marker"
    if PROMPT_RE.match(text):
        return "prompt"
    if words <= PROMPT_BLOCK_MAX_WORDS and _may_hold_prompt(text) and PROMPT_ANYWHERE_RE.search(text):
        # Mostly prompt (a few words of glue around prompts run together) -> the whole block.
        if len(PROMPT_ANYWHERE_RE.sub(" ", text).split()) < 6:
            return "prompt"
    if SHARE_RE.match(text) or LABEL_RE.match(text) or CTA_LINK_RE.match(text):
        return "share" if SHARE_RE.match(text) else "label"
    if DATE_LINE_RE.match(text) or RELATIVE_TIME_RE.match(text):
        return "date_line"
    if BREADCRUMB_RE.match(text) and not text.endswith((".", "!", "?")) \
            and all(part.strip()[:1].isupper() for part in re.split(r"[>»›]", text)):
        return "breadcrumb"
    if words <= DISCLOSURE_MAX_WORDS and DISCLOSURE_RE.search(text):
        return "disclosure"
    if words <= COPYRIGHT_MAX_WORDS and COPYRIGHT_RE.search(text):
        return "copyright"
    if FORM_MESSAGE_RE.match(text):
        return "form_message"
    if TOC_RUN_RE.match(text) and words <= TOC_MAX_WORDS \
            and not text.rstrip().endswith((".", "!", '"', "”")):
        return "toc"
    if words <= 25 and COMMENT_FORM_RE.search(text):
        return "comment_form"
    if READ_MORE_RE.match(text) and words <= 16:
        return "read_more"
    if RELATED_LINK_LABEL_RE.match(text):
        return "related_headline"
    if words <= 60 and block.kind in ("p", "head") and CAPTION_RE.search(text):
        return "caption"
    return None


#: A paragraph of the article's text, as clean asks it (:func:`newscrawl.stages.prose.is_prose`):
#: at least 13 words ending like a sentence. Clean asks where the article's text is around pasted
#: headlines and teasers, which are short and do not end like sentences; links are judged apart.
PROSE_MIN_WORDS = 13
PROSE_ENDS = _SENTENCE_END


def is_prose_paragraph(block: Block) -> bool:
    return is_prose(block, min_words=PROSE_MIN_WORDS, sentence_ends=PROSE_ENDS)


#: More inline headline-like or link-only blocks than this in one body means they are the
#: article's own structure (a listicle's item names), not pasted related headlines.
MAX_INLINE_HEADLINES = 2


#: A line that opens with a date or a number: an item of the article's own list (tour dates,
#: schedules, numbered steps), where other stories' headlines open with words.
LIST_ITEM_START_RE = re.compile(
    r"^(?:\d|(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?\s|"
    r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+\d)", _I)
#: At least this many such lines, and this share of a trailing run's unlinked headline-like
#: lines, make the run the article's own list.
LIST_RUN_MIN_ITEMS, LIST_RUN_MIN_SHARE = 3, 0.6


def _own_list(run: list[Block]) -> bool:
    """Whether the unlinked headline-like lines of a trailing run are the article's own list:
    most of them open with a date or a number."""
    plain = [b for b in run if b.link_ratio < RELATED_LINK_MIN_RATIO and is_headline_like(b)]
    items = sum(bool(LIST_ITEM_START_RE.match(b.text.strip())) for b in plain)
    return items >= LIST_RUN_MIN_ITEMS and items >= LIST_RUN_MIN_SHARE * len(plain)


def _related_headlines(blocks: list[Block]) -> list[bool]:
    """Which blocks are other stories' headlines or links: a trailing run of them after the
    prose (unless it is the article's own list, :func:`_own_list`), and (when there are few of
    them) ones between prose paragraphs."""
    # Blocks another rule removes (prompts, ad labels) are not counted as headlines.
    like = [(is_headline_like(b) or is_link_line(b)) and _whole_block_kind(b) is None for b in blocks]
    prose = [is_prose_paragraph(b) for b in blocks]
    n = len(blocks)
    trailing = [False] * n
    for i in range(n - 1, -1, -1):
        if not (like[i] or blocks[i].kind == "head"):
            break
        trailing[i] = like[i]
    if _own_list([b for b, t in zip(blocks, trailing, strict=True) if t]):
        # Only the linked lines of the run can still be other stories.
        trailing = [t and blocks[i].link_ratio >= RELATED_LINK_MIN_RATIO for i, t in enumerate(trailing)]
    seen_prose = False
    inline: list[int] = []
    for i in range(n):
        if like[i] and seen_prose and not trailing[i] and any(prose[i + 1 :]):
            inline.append(i)
        seen_prose = seen_prose or prose[i]
    out = [t and any(prose[:i]) for i, t in enumerate(trailing)]
    if len(inline) <= MAX_INLINE_HEADLINES:
        for i in inline:
            out[i] = True
    return out


#: A tip-line prompt ("Have a news tip? Email ...") where the article ends...
TIP_PROMPT_RE = re.compile(r"^(?:(?:have|got) a (?:news |story )?(?:tip|idea)|send us (?:a|your) (?:news )?tips?)\b", _I)
#: ...opens the tail when time-stamped teasers of other stories follow it, at least this many.
TEASER_MIN_TIMESTAMPS = 2


#: Prose after a "related" heading keeps the article going only when it is not mostly link text.
TAIL_PROSE_MAX_LINK_RATIO = 0.5


def _opens_tail(block: Block, rest: list[Block]) -> bool:
    text = block.text.strip()
    if TIP_PROMPT_RE.match(text):
        # Local sites end a story with the tip line, then list their other stories, each with a
        # "2 hours ago": none of that is this article.
        return sum(bool(RELATIVE_TIME_RE.match(b.text.strip())) for b in rest) >= TEASER_MIN_TIMESTAMPS
    if len(text.split()) > TAIL_HEADING_MAX_WORDS and not COMMENTS_HEADING_RE.match(text):
        return False
    if COMMENTS_HEADING_RE.match(text):
        return True
    # A "related" heading followed by prose is a mid-article box or a real subhead: keep going --
    # unless that prose is teasers under linked headlines (an article's subheads are not links).
    if not RELATED_HEADING_RE.match(text):
        return False
    return not any(is_prose(b, min_words=PROSE_MIN_WORDS, sentence_ends=PROSE_ENDS,
                            max_link_ratio=TAIL_PROSE_MAX_LINK_RATIO) for b in rest) \
        or (block.kind == "head" and _teaser_list(rest))


#: Headings under a "related" heading that are links to other stories, at least this many and
#: this share of the headings, make what follows a list of teasers.
TEASER_MIN_LINKED_HEADINGS, TEASER_MIN_LINKED_SHARE = 2, 0.5


def _teaser_list(rest: list[Block]) -> bool:
    heads = [b for b in rest if b.kind == "head"]
    linked = sum(b.link_ratio >= RELATED_LINK_MIN_RATIO for b in heads)
    return linked >= TEASER_MIN_LINKED_HEADINGS and linked >= TEASER_MIN_LINKED_SHARE * len(heads)


#: Paragraphs that end in the same whole sentence (of at least this many words), this many times
#: or more, after text of their own, are filled-in copies of one template -- "Free shipping on
#: orders over 40 EUR. For more information on shipping rates and timelines, please visit our
#: international page." once per country -- never article prose. So many copies of a shared
#: closing sentence occur only in such lists; a shared *phrase* is not enough (a listicle's "Here
#: is a <name> comparison in terms of pros and cons." per item is article text), nor are a few
#: copies (code walkthroughs end "... we get the following output:").
TEMPLATE_SENTENCE_MIN_WORDS, TEMPLATE_MIN_REPEATS = 6, 6
_SENTENCE_SPLIT_RE = re.compile(r"(?<=[.!?])\s+")


def _template_copies(blocks: list[Block]) -> list[bool]:
    endings: list[str | None] = []
    for block in blocks:
        sentences = _SENTENCE_SPLIT_RE.split(block.text.strip()) if block.kind == "p" else []
        last = sentences[-1].casefold() if len(sentences) >= 2 else ""
        endings.append(last if len(last.split()) >= TEMPLATE_SENTENCE_MIN_WORDS else None)
    counts = Counter(x for x in endings if x)
    return [bool(x) and counts[x] >= TEMPLATE_MIN_REPEATS for x in endings]


#: Teasers of other posts are excerpts cut at a fixed word count (WordPress themes: 30-60 words):
#: they stop mid-sentence, or end in an ellipsis, and several of them have the *same* length.
#: At this length and this many copies only excerpt lists match; shorter or fewer also take
#: flattened list items and spec lines that end without a full stop.
EXCERPT_MIN_WORDS, EXCERPT_MIN_COPIES = 30, 3
_ELLIPSIS_END_RE = re.compile(r"\s*(?:\[(?:…|\.\.\.)\]|…|\.\.\.)\s*$")
_CUT_END = tuple(".!?:;\"”’)»…]")


def _excerpts(blocks: list[Block]) -> list[bool]:
    lengths: list[int | None] = []
    for block in blocks:
        text = block.text.strip()
        # The end-anchored pattern is tried only on texts that end as it does: searched from every
        # position of a long paragraph, it costs more than any other line of the stage.
        cut = _ELLIPSIS_END_RE.sub("", text) if text.endswith(("…", "...", "]")) else text
        truncated = cut != text or not text.endswith(_CUT_END)
        words = len(cut.split())
        lengths.append(words if block.kind == "p" and truncated and words >= EXCERPT_MIN_WORDS else None)
    counts = Counter(x for x in lengths if x)
    return [bool(x) and counts[x] >= EXCERPT_MIN_COPIES for x in lengths]


#: A short line that comes back this many times or more is the article's structure (a meal plan's
#: "Breakfast: ..." each day, a label before each item of a comparison), not a copy.
STRUCTURE_MAX_WORDS, STRUCTURE_MIN_COPIES = 9, 3
#: A page that repeats one long paragraph and nothing else is a page written so (a template's
#: filler, a poem's refrain); a pull quote is a sentence, shorter than this.
SINGLE_REPEAT_MIN_WORDS = 25


#: A paragraph this long or longer that comes back is a copy; a shorter line (a label, a heading)
#: repeats by design.
DUPLICATE_MIN_WORDS = 4


def _structural_repeats(blocks: list[Block]) -> set[str]:
    """Case-folded texts whose repeats are kept: short lines repeated as list structure, and the
    one long paragraph of a page whose only repeat it is. A page that repeats several different
    paragraphs (a layout that prints its content twice, teasers shown again) loses the copies."""
    counts = Counter(b.text.strip().casefold() for b in blocks)
    # Only repeats the duplicate rule would remove count: a short heading or label that comes
    # back (a section title over each copy of a refrain) is never a copy, so it does not make the
    # one long paragraph one of several repeated ones.
    repeated = {key: n for key, n in counts.items() if n >= 2 and len(key.split()) >= DUPLICATE_MIN_WORDS}
    keep = {key for key, n in repeated.items() if n >= STRUCTURE_MIN_COPIES and len(key.split()) <= STRUCTURE_MAX_WORDS}
    if len(repeated) == 1:
        key = next(iter(repeated))
        if len(key.split()) >= SINGLE_REPEAT_MIN_WORDS:
            keep.add(key)
    return keep


#: A table cell this long (as long as a paragraph of prose, PROSE_MIN_WORDS) is text the table holds,
#: not a menu entry or a link label: a page laid out in a table carries its article in such a cell.
LAYOUT_CELL_MAX_WORDS = PROSE_MIN_WORDS - 1
_TABLE_CELL_SPLIT_RE = re.compile(r"\||\n")


def _data_table(text: str) -> bool:
    """Two or more rows of the same width with every cell filled: a table of data (a product's
    details, a comparison, results), which is the article's as a list is."""
    widths: Counter[int] = Counter()
    for line in text.split("\n"):
        cells = [c.strip() for c in line.split("|")]
        if len(cells) >= 2 and all(cells):
            widths[len(cells)] += 1
    return any(n >= 2 for n in widths.values())


def _layout_tables(blocks: list[Block]) -> list[bool]:
    """Tables that are page layout, not the article's: before its first prose paragraph or after
    its last, no cell as long as a paragraph, and not a data table. Pages laid out in tables give
    their menus, link columns, section bars and footers as table rows ("Home | News | Sport"); the
    article's own tables stand among its paragraphs or hold data."""
    out = [False] * len(blocks)
    if not any(b.kind == "table" for b in blocks):
        return out
    prose = [is_prose_paragraph(b) for b in blocks]
    first = next((i for i, p in enumerate(prose) if p), len(blocks))
    last = max((i for i, p in enumerate(prose) if p), default=-1)
    for i, block in enumerate(blocks):
        if block.kind != "table" or first < i < last:
            continue
        cells = [c.strip() for c in _TABLE_CELL_SPLIT_RE.split(block.text)]
        if all(len(c.split()) <= LAYOUT_CELL_MAX_WORDS for c in cells) and not _data_table(block.text):
            out[i] = True
    return out


def clean_blocks(blocks: list[Block]) -> tuple[list[Block], list[Repair]]:
    """Blocks with boilerplate removed, and what was removed."""
    kept, removals = _clean(blocks)
    return kept, removals.repairs()


def removed_texts(blocks: list[Block]) -> list[tuple[str, str]]:
    """Every text :func:`clean_blocks` removes from ``blocks``, as (rule kind, text), in order:
    a rule's words removed can then be set against a ground truth (benchmarks/extraction.py)."""
    return _clean(blocks)[1].removed


def _clean(blocks: list[Block]) -> tuple[list[Block], _Removals]:
    removals = _Removals()
    kept: list[Block] = []
    n = len(blocks)
    related = _related_headlines(blocks)
    layout = _layout_tables(blocks)
    templates = _template_copies(blocks)
    excerpts = _excerpts(blocks)
    in_toc = False
    seen: set[str] = set()
    kept_repeats = _structural_repeats(blocks)
    for index, block in enumerate(blocks):
        text = block.text.strip()
        # A tail opens in the second half of the body -- or anywhere after the start at a tip line
        # followed by time-stamped teasers (a local site's list of other stories may be longer
        # than the story).
        if index > 0 and (index >= n // 2 or TIP_PROMPT_RE.match(text)) \
                and _opens_tail(block, blocks[index + 1 :]):
            for rest in blocks[index:]:
                removals.add("tail", rest.text)
            break
        if TOC_HEADING_RE.match(text):
            in_toc = True
            removals.add("toc", text)
            continue
        # A heading ends the table: it is the first section's own, though a contents link has its words.
        if in_toc and block.kind != "head" and (block.kind == "list" or block.link_ratio >= RELATED_LINK_MIN_RATIO):
            removals.add("toc", text)
            continue
        in_toc = False
        kind = _whole_block_kind(block)
        key = text.casefold()
        if kind is None and key in seen and len(text.split()) >= DUPLICATE_MIN_WORDS and key not in kept_repeats:
            # The same paragraph twice: a pull quote, a repeated caption or teaser.
            kind = "duplicate"
        seen.add(key)
        if kind is None and related[index]:
            kind = "related_headline"
        if kind is None and layout[index]:
            kind = "layout_table"
        if kind is None and templates[index]:
            kind = "template_copy"
        if kind is None and excerpts[index]:
            kind = "excerpt"
        if kind:
            removals.add(kind, text)
            continue
        # The glued-prompt pattern is tried only where one of its words occurs (it is the costly
        # search, and most paragraphs have none).
        new_text = GLUED_PROMPT_RE.sub("", text) if _may_hold_prompt(text) else text
        if new_text != text:
            removals.add("prompt", text[len(new_text):])
        glued = GLUED_CREDIT_RE.sub(" ", new_text) if "(" in new_text else new_text
        glued = GLUED_CAPTION_RE.sub("", glued)
        if glued != new_text:
            removals.add("caption", new_text)
        kept.append(block.with_text(glued.strip()) if glued.strip() != block.text else block)
    start, end = _consent_free_span(kept)
    for block in kept[:start] + kept[end:]:
        removals.add("consent", block.text)
    kept = kept[start:end]
    # Headings left at the very end head nothing: what they introduced was cut or never there.
    while kept and kept[-1].kind == "head":
        removals.add("dangling_heading", kept.pop().text)
    return kept, removals
