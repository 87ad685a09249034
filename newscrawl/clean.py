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
* ``related_link``: a short block that is all link text -- an inline related-story headline.
* ``tail``: everything after a heading that opens a related-stories, comments or reply section
  ("Related Posts", "Leave a Reply", "N Responses to ..."), when it comes in the second half of
  the body: those sections are never followed by more of the article.
* ``comment_form``: comment-form lines anywhere.

Headings, lists, quotes and tables that belong to the article are not touched by any rule: the
rules match furniture, not block kinds.
"""

from __future__ import annotations

import re
from collections import defaultdict

from newscrawl.block import Block
from newscrawl.record import Repair

_I = re.IGNORECASE

AD_MARKER_RE = re.compile(
    r"^(?:advertisement|advertising|ad|ads|sponsored(?: content| links?)?|paid content|"
    r"(?:the )?(?:story|article|content) continues (?:below|after)(?: (?:this )?(?:advertisement|ad))?|"
    r"continue reading (?:below|the main story)|scroll to continue(?: with content)?)[\s.:]*$",
    _I,
)
_PROMPT = (
    r"get the full experience\.?\s*choose your plan(?:\s*arrow\s*right)?|"
    r"choose your plan(?:\s*arrow\s*right)?|"
    r"subscribe (?:now|today|to (?:our|the) newsletter)[^.!]*[.!]?|"
    r"sign up (?:for|to) (?:our|the) [^.!]*newsletters?[^.!]*[.!]?|"
    r"(?:download|get) (?:our|the) (?:free )?(?:[a-z]+ )?app[^.!]*[.!]?|"
    r"have a (?:news )?tip\?[^\n]*|got a (?:news )?tip\?[^\n]*|send us (?:a|your) (?:news )?tips?[^\n]*|"
    r"already a subscriber\?[^.!]*[.!]?"
)
PROMPT_RE = re.compile(rf"^(?:{_PROMPT})\s*$", _I)
# A prompt glued onto the end of a sentence: "...said.Get the full experience.Choose your plan".
GLUED_PROMPT_RE = re.compile(rf"(?<=[.!?\"”’])\s*(?:{_PROMPT})\s*$", _I)
SHARE_RE = re.compile(
    r"^(?:share(?: this)?(?: article| story| on \w+)?|tweet|email|print|copy link|"
    r"follow us on [\w ,]+|click to share on [\w ()]+|share via [\w ]+)[\s:.!]*$",
    _I,
)
CAPTION_RE = re.compile(
    r"^(?:file\s*[-–—]\s|photo:|image:|credit:|pictured:|caption:)|"
    r"\((?:[\w .'-]+ )?(?:photo|image|picture)s?(?:\s*/\s*|: ?| by )[^)]{1,80}\)\s*$|"
    r"(?:getty images|shutterstock|via reuters|/ ?afp)\s*\.?$",
    _I,
)
# A photo credit in parentheses glued between two sentences of a paragraph.
GLUED_CREDIT_RE = re.compile(r"\s*\((?:photo|image|picture)s?(?::| by|/)\s*[^)]{1,80}\)(?=\S)", _I)
TAIL_HEADING_RE = re.compile(
    r"^(?:related(?: posts| stories| articles| news| content| coverage)?|read more|more from [\w .]+|"
    r"more stories|most read|most popular|trending(?: news| now)?|you may (?:also )?like|"
    r"recommended(?: for you| stories)?|leave a (?:reply|comment)|comments?(?: \(\d+\))?|"
    r"\d+ (?:responses?|comments?) to .+|post a comment|what to read next|"
    r"(?:sponsored|partner) (?:stories|content|links))[\s:.!]*$",
    _I,
)
COMMENT_FORM_RE = re.compile(
    r"your email address will not be published|required fields are marked|"
    r"save my name, email,? and website|^post comment$|^submit comment$|^(?:name|email|website)\s*\*?$|"
    r"you must be logged in to post a comment|^cancel reply$",
    _I,
)
READ_MORE_RE = re.compile(r"^(?:read more|read the full (?:story|article)|source link|continue reading)[\s:.!»>]*.*$", _I)
#: A block that is all link text and this short is a related-story headline, not prose.
RELATED_LINK_MAX_WORDS = 16
RELATED_LINK_MIN_RATIO = 0.9


class _Removals:
    def __init__(self) -> None:
        self.counts: dict[str, int] = defaultdict(int)
        self.examples: dict[str, list[str]] = defaultdict(list)

    def add(self, kind: str, text: str) -> None:
        self.counts[kind] += 1
        if len(self.examples[kind]) < 3:
            self.examples[kind].append(text[:80])

    def repairs(self) -> list[Repair]:
        return [Repair("clean", k, n, tuple(self.examples[k])) for k, n in self.counts.items()]


def _whole_block_kind(block: Block) -> str | None:
    text = block.text.strip()
    if AD_MARKER_RE.match(text):
        return "ad_marker"
    if PROMPT_RE.match(text):
        return "prompt"
    if SHARE_RE.match(text):
        return "share"
    if COMMENT_FORM_RE.search(text) and len(text.split()) <= 25:
        return "comment_form"
    if READ_MORE_RE.match(text) and len(text.split()) <= 16:
        return "read_more"
    if CAPTION_RE.search(text) and block.kind in ("p", "head") and len(text.split()) <= 60:
        return "caption"
    if (block.link_ratio >= RELATED_LINK_MIN_RATIO and len(text.split()) <= RELATED_LINK_MAX_WORDS
            and block.kind in ("p", "head")):
        return "related_link"
    return None


def clean_blocks(blocks: list[Block]) -> tuple[list[Block], list[Repair]]:
    """Blocks with boilerplate removed, and what was removed."""
    removals = _Removals()
    kept: list[Block] = []
    n = len(blocks)
    for index, block in enumerate(blocks):
        text = block.text.strip()
        if index >= n // 2 and index > 0 and TAIL_HEADING_RE.match(text) and len(text) <= 120:
            for rest in blocks[index:]:
                removals.add("tail", rest.text)
            break
        kind = _whole_block_kind(block)
        if kind:
            removals.add(kind, text)
            continue
        new_text = GLUED_PROMPT_RE.sub("", text)
        if new_text != text:
            removals.add("prompt", text[len(new_text):])
        glued = GLUED_CREDIT_RE.sub(" ", new_text)
        if glued != new_text:
            removals.add("caption", new_text)
        kept.append(block.with_text(glued.strip()) if glued.strip() != block.text else block)
    return kept, removals.repairs()
