"""Language: each block's language, the article's, and chrome in another language removed.

**Scripts first** (:mod:`.scripts`): most foreign chrome around a syndicated story is in another
script (a Chinese portal around an English story), and a script is read off the code points for
free. **Detectors** (:mod:`.detectors`) decide what a script cannot: the article's language in a
script several languages share, and the language of a line in such a script.

**Where chrome is** (:mod:`.analyse`). Chrome that survived extraction sits mostly at the *edges*
of the body (source lines and breadcrumbs before the article, tags, keywords, editor lines and
related lists after it). The article's *core* runs from its first to its last prose paragraph in
the article's language. Outside the core, a block in another language is chrome and is removed.
Inside the core a block in another language is kept (a quote in Arabic, a name, a bilingual
caption are the article's) unless it has the *shape* of chrome (:mod:`.chrome`): a label line
("标签：..."), a list or a block that is mostly links, a breadcrumb or menu with separators, a
copyright line, or a short line without sentence punctuation or quotes. Where extraction
flattened a whole page into one huge block, long unquoted runs of a foreign script inside it are
cut out (:data:`FLATTENED_MIN_WORDS`).

``chrome_languages`` lists the languages of the page text outside the article (:mod:`.outside`)
and of removed blocks that differ from the article's language, so analysts can find "English
stories republished by Chinese portals".
"""

from newscrawl.stages.language.analyse import FLATTENED_MIN_WORDS, LanguageResult, analyse_languages
from newscrawl.stages.language.detectors import classify, clear_caches, detect, load_models
from newscrawl.stages.language.scripts import dominant_script

__all__ = ["FLATTENED_MIN_WORDS", "LanguageResult", "analyse_languages", "classify", "clear_caches",
           "detect", "dominant_script", "load_models"]
