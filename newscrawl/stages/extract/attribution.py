"""Who wrote a story: author names cleaned, and the wire service or original publisher credited.

Syndicated copies name their origin in a handful of conventional places, and each is read by a
general rule (never a rule for one site):

* the dateline code: "MARROWGATE, Kestria (AP) — ..." -- a short parenthesised code between the
  place and the dash;
* bylines and credit lines: "By Jane Doe, Associated Press", "Jane Doe | Reuters";
* photo credits: "(AP Photo/Jane Doe)";
* copyright lines: "Copyright 2026 The Associated Press", "© Reuters";
* a portal's source line: Chinese portals print the source publisher before a "原网页" ("original
  page") link, e.g. "华盛顿邮报-世界 原网页" (publisher, a dash, the section);
* JSON-LD ``sourceOrganization``.

Known codes and names are resolved to one spelling (``WIRE_NAMES``); an unknown dateline code is
kept as printed (a small agency is still an attribution). Each credit keeps its evidence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from newscrawl.stages.domains import is_site_address

#: Codes and names of wire services and syndicating publishers -> one spelling.
WIRE_NAMES = {
    "ap": "Associated Press", "associated press": "Associated Press",
    "the associated press": "Associated Press",
    "reuters": "Reuters", "thomson reuters": "Reuters",
    "afp": "Agence France-Presse", "agence france-presse": "Agence France-Presse",
    "agence france presse": "Agence France-Presse",
    "upi": "United Press International", "united press international": "United Press International",
    "dpa": "Deutsche Presse-Agentur", "deutsche presse-agentur": "Deutsche Presse-Agentur",
    "efe": "EFE", "ansa": "ANSA", "xinhua": "Xinhua", "kyodo": "Kyodo News", "kyodo news": "Kyodo News",
    "pti": "Press Trust of India", "press trust of india": "Press Trust of India", "ians": "IANS",
    "ani": "ANI", "cp": "Canadian Press", "the canadian press": "Canadian Press",
    "canadian press": "Canadian Press", "aap": "Australian Associated Press", "pa": "PA Media",
    "pa media": "PA Media", "bloomberg": "Bloomberg", "bloomberg news": "Bloomberg",
    "tass": "TASS", "yonhap": "Yonhap", "anadolu": "Anadolu Agency", "cna": "CNA",
    "the washington post": "The Washington Post", "washington post": "The Washington Post",
    "the new york times": "The New York Times", "new york times": "The New York Times",
    "cbs news": "CBS News", "cnn": "CNN", "bbc": "BBC", "bbc news": "BBC",
    "美联社": "Associated Press", "路透社": "Reuters", "法新社": "Agence France-Presse",
    "新华社": "Xinhua", "彭博社": "Bloomberg", "华盛顿邮报": "The Washington Post",
    "纽约时报": "The New York Times", "共同社": "Kyodo News", "塔斯社": "TASS",
}
# Words that make the part of a byline after a comma or bar an organisation, not a job title.
_ORG_WORD = r"(?:Press|Wire(?: Service)?|News(?: Service| Agency)?|Agency|Reuters|AFP|Bloomberg|Post|Times|Media)"

_DATELINE_RE = re.compile(r"^[A-Z][\w .,'’-]{1,60}?\s\(([A-Za-z][A-Za-z-]{1,11})\)\s*[—–-]")
_BYLINE_ORG_RE = re.compile(
    rf"^(?:by\s+)?[^,|]{{2,80}}?\s*[,|]\s*(?P<org>(?:The )?[A-Z][\w.'-]*(?: [A-Z][\w.'-]*)*? {_ORG_WORD}|[A-Z]{{2,6}}|Reuters|Bloomberg)\s*$",
    re.IGNORECASE,
)
_PHOTO_CREDIT_RE = re.compile(r"\(([A-Z][A-Za-z]{1,8}) Photo(?:/|\b)")
# "This photo provided by X shows ... X via AP": the agency that distributed a handout photo.
_VIA_CREDIT_RE = re.compile(r"(?i:\b(?:photo|image|picture)\b).{0,400}?\bvia ([A-Z]{2,6})(?![a-z])", re.DOTALL)
_COPYRIGHT_RE = re.compile(r"(?:(?i:copyright)|©)\s*(?:©\s*)?(?:\d{4}\s+)?(?P<org>(?:[Tt]he )?[A-Z][\w'-]*(?: [A-Z][\w'-]*){0,3})")
_PORTAL_SOURCE_RE = re.compile(r"(?P<org>[^\s\d:：\-－—|]{2,30}?)(?:\s*[-－—]\s*[^\s\d]{1,10})?\s*原网页")
#: "Posts by", "View all posts", "Post a comment", "Guest post": labels, not names. A capitalised
#: "Post" later in a name is a surname ("Emily Post") unless a kind of post comes before it.
_NOT_A_NAME_RE = re.compile(r"@|https?://|\bemail\b|\bfollow\b|\bcontact\b|\bview all\b|\bposts\b|^post\b|(?-i:\bpost\b)"
                            r"|\b(?:guest|sponsored|next|previous|latest|recent|blog)\s+post\b", re.IGNORECASE)
#: A CMS account's login ("andrew.keaveney", "jane_doe"): lower-case words joined by a dot or an
#: underscore, no space. A person's name is written with spaces; the login names an account.
_LOGIN_RE = re.compile(r"[^\W\d_]+(?:[._][^\W\d_]+)+")
# CMS placeholder accounts, not people.
_NOT_PEOPLE = {"admin", "administrator", "staff", "editor", "webmaster", "guest", "author", "user", "updated",
               "published", "posted", "written by", "last updated"}
#: The words that make a capitalised name an organisation's, not a person's ("Harbour Gazette",
#: "Radio Kestria", "Diario de Kestria", "Kestria Press Agency"): newspapers, agencies, broadcasters,
#: newsrooms, companies and teams, in the languages the labels are read in (English, German, French,
#: Italian, Spanish, Portuguese). A part after a byline's names ("Jane Doe, Harbour Gazette") that
#: holds one names where the writer works, not a second writer. Words that are common surnames
#: too ("Star", "Sun", "Mirror", "Standard", "Guardian", "Express", "Observer", "Record") are left out.
ORGANISATION_WORDS = frozenset({
    # English
    "gazette", "times", "news", "press", "post", "herald", "journal", "tribune", "agency", "radio", "tv",
    "television", "magazine", "chronicle", "courier", "telegraph", "dispatch", "bulletin", "inquirer",
    "examiner", "daily", "weekly", "newspaper", "media", "network", "broadcasting", "newsroom", "online",
    "inc", "llc", "ltd", "gmbh", "team", "group",
    # German
    "zeitung", "nachrichten", "rundschau", "kurier", "anzeiger", "tagblatt", "tageblatt", "presse",
    "rundfunk", "fernsehen", "magazin", "verlag", "redaktion", "agentur", "nachrichtenagentur",
    # French
    "quotidien", "hebdo", "agence", "télévision", "rédaction",
    # Italian
    "gazzetta", "corriere", "giornale", "notizie", "agenzia", "stampa", "redazione", "televisione",
    # Spanish
    "diario", "periódico", "noticias", "agencia", "prensa", "revista", "redacción", "televisión",
    # Portuguese
    "jornal", "notícias", "folha", "agência", "imprensa", "redação", "televisão",
})
#: An article that opens a part: a publication's name ("The Harbour Gazette"), never a person's.
_ORGANISATION_ARTICLE_RE = re.compile(r"^(?:The|Der|Die|Das)\s")
#: The kinds of content a site's section is named for. A spaced author label before one of them
#: alone ("Author Interviews", "Author Spotlight", "Autor Porträts") is a section's title that
#: starts with the author word, not a label before an account's name.
CONTENT_KINDS = frozenset({
    "interviews", "interview", "talks", "reviews", "spotlight", "spotlights", "profiles", "profile",
    "events", "resources", "stories", "series", "picks", "notes", "pages", "archive", "archives",
    "gespräche", "porträts", "entretiens", "portraits", "entrevistas", "interviste", "recensioni",
    "rezensionen", "critiques", "reseñas", "resenhas",
})
_ROLE_RE = re.compile(r"\b(?:reporter|correspondent|editor|writer|staff|contributor|columnist|"
                      r"desk|producer|news|sports|photographer|intern|founder|reviewer|expert|director|consultant"
                      r"|manager|specialist|analyst)\b", re.IGNORECASE)
#: More words than this is a sentence or a list of roles, not a name.
MAX_AUTHOR_WORDS = 5
_MONTH = (r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
          r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)")
#: A date or time that a byline element runs on into (the name and the date line share one
#: element): "Jane Doe February 28", "Jane DoeNovember 15, 2025", "Jane Doe 10:30 AM ET",
#: "Jane Doe Updated 2 hours ago". A capital after a lower-case letter with no space is where a
#: glued month starts.
_TRAILING_DATE_RE = re.compile(
    rf"(?:(?-i:(?<=[a-z.]))|\s+|\s*[-–—]\s*)(?:(?:last\s+)?(?:updated|published|posted)(?:\s+on)?\s*:?\s*)?(?:on\s+)?(?:"
    rf"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*\.?,?\s+)?(?:{_MONTH}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?\b"
    rf"|\d{{1,2}}\s+{_MONTH}\b|\d{{4}}-\d{{2}}-\d{{2}}|\d{{1,2}}[/.-]\d{{1,2}}[/.-]\d{{2,4}}|\d{{1,2}}:\d{{2}}"
    rf"|\d{{1,2}}-[a-z]{{3,4}}-\d{{2,4}}|\d+\s+(?:minutes?|hours?|days?)\s+ago|\d+\s*min(?:ute)?s?\s+read).*$",
    re.IGNORECASE)
#: A date that a byline element opens with, before the name ("Dec 17, 2025Jane Doe",
#: "Sat, 20 Dec, 2025 - 06:36", "14 Mar 2026 at 16:45, Jane Doe"): removed with its time and the
#: separators after it.
_LEADING_DATE_RE = re.compile(
    rf"^(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*\.?,?\s+)?(?:{_MONTH}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s*\d{{4}})?"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH}\.?,?(?:\s*\d{{4}})?|\d{{4}}-\d{{2}}-\d{{2}})"
    rf"(?:,?\s*(?:at\s+|@\s*)?\d{{1,2}}[:.]\d{{2}}(?:\s*[ap]\.?m\.?)?(?:\s+(?-i:[A-Z]{{2,4}})\b)?)?[\s•·|,:-]*",
    re.IGNORECASE)
#: A job title run on into the name with no space ("Jane DoeTech Reporter"): the capital after a
#: lower-case letter starts it, and it holds a role's word. The word before it has at least four
#: letters: "McCarthy", "DeSiato", "MacLeod" are names whose capital follows a short prefix.
_GLUED_ROLE_RE = re.compile(r"(?-i:(?<=[A-Za-z]{3}[a-z])(?=[A-Z]))(?=(?:[\w ]*\s)?(?:reporter|correspondent|editor|writer|contributor|"
                            r"columnist|producer|photographer|founder|engineer|consultant|reviewer)\b).*$",
                            re.IGNORECASE)
#: A name holds no digit: such a part is a date, a count or an account id.
_DIGIT_RE = re.compile(r"\d")
#: What a date line leaves before the date it introduced ("Jane Doe on", "Jane Doe • Updated"),
#: and the labels that open a byline ("Written by:", "Posted by").
_TRAILING_LABEL_RE = re.compile(r"(?:[\s•·|,:-]+|(?-i:(?<=[a-z])(?=[A-Z])))(?:(?:last\s+)?(?:updated|published|posted)|on|at)?"
                                r"[\s•·|,:-]*$", re.IGNORECASE)
#: The words that label an author in the languages the labels above are read in: English,
#: German, French, Italian, Spanish and Portuguese.
_AUTHOR_WORD = r"(?:co-)?(?:authors?|autor(?:in|innen|en|es|as|a)?|auteurs?|autor[ei])"
#: "By" may be glued to the name it introduces ("ByJane Doe", "Written byJane Doe"), and an
#: author label opens some bylines ("AuthorJane Doe", "Authors: Jane Doe, John Roe"). A label
#: with nothing after it ("By", "Published by", "Authors") is removed whole: no name.
#: "Di" and "Von" stay labels before one capitalised word although they are surname particles
#: too: "Di Marco" is the surname and "by Marco" alike (Italian particle surnames are mostly a
#: given name after "Di"), and German bylines capitalise "Von" before a first name; the one word
#: is an account's credit, so any source naming the person whole still wins.
#: The words of authorship that stand before such a label ("Written by", "Veröffentlicht von",
#: "Publié par", "Scritto da" is not a label here), in the same languages.
_AUTHORSHIP_WORDS = (r"written|posted|published|reported|text|article|authored|reviewed|(?:last\s+)?updated|edited|penned"
                     r"|recipe|story|guide|geschrieben|verfasst|veröffentlicht|erstellt|eingestellt|gepostet|artikel"
                     r"|beitrag|écrit|publié|rédigé|posté|texte|scritto|pubblicato|articolo|testo|escrito|publicado"
                     r"|redactado|artículo|artigo|texto|postado")
_LEADING_LABEL_RE = re.compile(
    rf"^\s*(?:(?:(?:{_AUTHORSHIP_WORDS})\s*)?(?:by|von|par|por|di)"
    rf"(?:\s*:\s*|\s+|(?-i:(?=[A-Z]))|$)|{_AUTHOR_WORD}(?:\s*:\s*|(?-i:(?=[A-Z]))|$))",
    re.IGNORECASE)
#: A spaced author label ("Autor Redaktion", "Author Jane Doe"): a label only before one word or
#: a name written as a name; before other words ("Authors jdoe Jane jroe") it is left, and the
#: text is read as it stands.
_SPACED_AUTHOR_LABEL_RE = re.compile(rf"^\s*{_AUTHOR_WORD}\s+(?=\S)", re.IGNORECASE)
#: A section's or a kind's name before "by" ("Tech Industry by", "Posted in Design By", "Guide
#: by"): one to three words, no comma between them, then the label. "By" is no surname particle,
#: unlike "von" and "di", so the words before it are not a name's first part. A sponsor's credit
#: ("Sponsored by", "Presented by") names who paid, not a label before the writer.
#: A separator before a byline ("| By Jane Doe", "• Jane Doe") is the page's layout. A comma is
#: one only before a label (", by Jane Doe"): before anything else it ends an empty name
#: (", USA TODAY" credits the publication, not a person).
_LEADING_SEPARATOR_RE = re.compile(r"^(?:[|•·–—-]+\s*|[,;:]\s*(?=(?:by|von|par|por|di)\s))", re.IGNORECASE)
#: One to three words and a colon at a byline's start (see ``_read_byline``).
_COLON_LABEL_RE = re.compile(r"^(?P<label>[^\s:,;|]+(?: [^\s:,;|]+){0,2})\s*:\s*")
_KIND_BEFORE_BY_RE = re.compile(r"^(?!(?:sponsored|presented|powered|supported|brought)\b)(?:[^\s,;|]+\s+){1,3}?by\s+(?-i:(?=[A-Z]))",
                                re.IGNORECASE)
#: Account and page-tool words that an author-marked element holds ("LoginRegister Log-out", "View
#: Comments", "Mon compte", a social network's link), in the languages the labels are read in,
#: glued or spaced: a part that opens with one is the element's tools, not a name. After a name
#: ("Jane Doe View Profile RSS") the part is cut where the tools start, and their lead-in words
#: ("Author's", "zum") go with them, only if what is left is a name written as a name: otherwise
#: the part is left as it is (a cut "Rezept von" or "George M left a" is no name either).
_CHROME_WORDS = (
    r"log\s*-?\s*(?:in|out)|sign\s*-?\s*(?:in|up|out)|register|subscribe|subscription|my\s+account|profile"
    r"|newsletter|rss|comments?|share|tweet|print|view|follow|(?:all|more)\s+(?:articles|posts|stories)"
    r"|anmelden|abmelden|einloggen|ausloggen|registrieren|abonnieren|mein\s+konto|profil|kommentare?|kommentieren"
    r"|teilen|drucken|(?:alle|weitere|mehr)\s+(?:artikel|beiträge)"
    r"|connexion|se\s+connecter|déconnexion|s['’]inscrire|s['’]abonner|abonnez-vous|mon\s+compte|commentaires?"
    r"|partager|imprimer|tous\s+les\s+articles"
    r"|iniciar\s+sesión|cerrar\s+sesión|registrarse|regístrate|suscríbete|suscribirse|mi\s+cuenta|minha\s+conta"
    r"|perfil|comentarios?|comentários?|compartir|compartilhar|imprimir"
    r"|accedi|registrati|abbonati|iscriviti|il\s+mio\s+account|profilo|commenti|condividi"
    r"|twitter|facebook|instagram|tumblr|linkedin|pinterest|youtube")
_CHROME_RE = re.compile(rf"(?:\b|(?-i:(?<=[a-z])(?=[A-Z])))(?:{_CHROME_WORDS})(?:\b|(?-i:(?=[A-Z])))", re.IGNORECASE)
#: The words that lead in to a page tool after a name ("Jane Doe Author's Profile", "Jane Doe to
#: the profile", "Zum Profil"): a possessive, an author word and the function words of the label
#: languages.
_LEAD_IN_RE = re.compile(r"(?:\s+(?:\S+['’]s|author|autor|auteur|the|to|his|her|my|see|zum|zur|zu|von|vom|du|de|des"
                         r"|la|le|al|del|di|da|su|sur))+$", re.IGNORECASE)
#: A job title after a spaced name ("Jane Doe Games Editor", "Jane Doe Contributing Writer",
#: "Jane Doe Founder & Lead Reviewer"): a role's word at the end, with the rank and desk words
#: before it, and more such titles joined by "&" or "and".
_RANK_WORDS = (r"(?:senior|staff|contributing|managing|executive|associate|deputy|chief|assistant|special|freelance|former"
               r"|lead|head|news|sports|games|tech|technology|politics|political|business|science|health|opinion"
               r"|features|entertainment|digital|web|travel|food|music|arts|culture|investigative|local|national"
               r"|world|foreign|education|data)")
_TITLE_WORDS = (r"(?:reporter|correspondent|editor|writer|columnist|contributor|producer|photographer|intern|staff"
                r"|founder|reviewer|expert|director|consultant|manager|specialist|analyst)")
_ROLE_PHRASE = rf"(?:{_RANK_WORDS}\s+)*{_TITLE_WORDS}"
_ROLE_TAIL_RE = re.compile(rf"\s+{_ROLE_PHRASE}(?:\s*(?:&|\band\b|\bund\b)\s*{_ROLE_PHRASE})*$", re.IGNORECASE)
#: A date line's label left without its date (the date stood in another element): "Jane Doe am",
#: "Jane Doe am Samstag", "Dominique — veröffentlicht", "Jane Doe Stand" (German "as of"); the
#: prepositions are lower case, so a name ending in "On" or "Le" is not cut.
_DATE_VERBS = (r"(?:last\s+)?(?:updated|published|posted|veröffentlicht|publiziert|aktualisiert|erstellt|geändert|stand|publié"
               r"|mis\s+à\s+jour|publicado|actualizado|pubblicato|aggiornato)")
_WEEKDAY = (r"(?:mon|tues|wednes|thurs|fri|satur|sun)day|(?:mon|diens|donners|frei|sams|sonn)tag|mittwoch|lundi|mardi"
            r"|mercredi|jeudi|vendredi|samedi|dimanche|lunes|martes|miércoles|jueves|viernes|sábado|domingo|lunedì"
            r"|martedì|mercoledì|giovedì|venerdì|sabato|domenica")
_DATE_PREPOSITION = r"(?:on|at|am|um|le|el|il|em)"
_DATE_LABEL_TAIL_RE = re.compile(rf"(?:\s+|\s*[—–-]\s*)(?:(?i:{_DATE_VERBS})(?:\s+{_DATE_PREPOSITION})?|{_DATE_PREPOSITION})"
                                 rf"(?:\s+(?i:{_WEEKDAY}))?\s*$")
#: A byline that is only a date line's label or a weekday ("Posted on", "Veröffentlicht am",
#: "Datum", "Donnerstag") names no one.
_DATE_LABEL_ONLY_RE = re.compile(rf"(?:{_DATE_VERBS})(?:\s+{_DATE_PREPOSITION})?|datum|date|fecha|{_WEEKDAY}",
                                 re.IGNORECASE)
#: A host name's shape ("example.de", "www.News-Site.com"): dot-joined labels, the last one
#: letters only; :func:`~newscrawl.stages.domains.is_site_address` then asks the suffix list.
_HOST_RE = re.compile(r"(?:[^\W_](?:[\w-]*[^\W_])?\.)+[^\W\d_]{2,}")


@dataclass(frozen=True, slots=True)
class Credit:
    name: str
    #: dateline | byline | photo_credit | copyright | source_line | json-ld
    evidence: str

    def to_dict(self) -> dict[str, str]:
        return {"name": self.name, "evidence": self.evidence}


def resolve_name(raw: str) -> str | None:
    """The one spelling of a known wire/publisher name or code, else None."""
    key = re.sub(r"\s+", " ", raw.strip(" .,:;|-–—")).casefold()
    return WIRE_NAMES.get(key)


def _known_prefix(code: str) -> str:
    """A glued credit ("via APA source ...": "AP" + "A source") read as the longest known code
    it starts with; an unknown code stays as it is."""
    if resolve_name(code):
        return code
    for end in range(len(code) - 1, 1, -1):
        if resolve_name(code[:end]):
            return code[:end]
    return code


def _is_wire(org: str) -> bool:
    return resolve_name(org) is not None or bool(re.search(r"\b(?:Press|Wire|News Service|Agency)\b", org))


def clean_author(raw: str, logins: bool = False, sites: tuple[str, ...] = ()) -> tuple[list[str], str | None]:
    """Names in one byline string, and the organisation it credits (if any); a CMS login
    ("jane.doe") is a name only with ``logins``; ``sites`` are the site's own names (see
    :func:`_without_site`).

    "By CONRAD ASHBY and LENA VARGA, Meridian Wire Service" ->
    (["Conrad Ashby", "Lena Varga"], "Meridian Wire Service").
    """
    found, org = _read_byline(raw, sites)
    return [name for name, account in found if logins or not account], org


def _read_byline(raw: str, sites: tuple[str, ...] = ()) -> tuple[list[tuple[str, bool]], str | None]:
    """(each name in one byline string with whether it is an account's credit, not a person's
    name; the organisation the string credits)."""
    text = _LEADING_SEPARATOR_RE.sub("", re.sub(r"\s+", " ", raw).strip())
    text = _LEADING_DATE_RE.sub("", text, count=1)
    dated = _TRAILING_DATE_RE.sub("", text)
    if dated != text:
        text = _TRAILING_LABEL_RE.sub("", dated).strip(" ,|-–—·•")
    text = _DATE_LABEL_TAIL_RE.sub("", text)
    if _DATE_LABEL_ONLY_RE.fullmatch(text):
        return [], None
    org = None
    text, org = _split_glued_wire(text)
    match = None if org else _BYLINE_ORG_RE.match(text)
    if match and _is_wire(match.group("org")):
        org = match.group("org").strip()
        text = text[: match.start("org")].rstrip(" ,|")
    text, labels = _LEADING_LABEL_RE.subn("", text)
    if not labels and (spaced := _SPACED_AUTHOR_LABEL_RE.match(text)):
        rest = text[spaced.end():]
        names = re.split(r"\s*[,;|]\s*", rest)[0]
        if rest.casefold().strip(" .") in CONTENT_KINDS:
            return [], None
        if len(names.split()) == 1 or looks_like_person(names):
            text, labels = rest, 1
    if not labels and (kind := _KIND_BEFORE_BY_RE.match(text)):
        text, labels = text[kind.end():], 1
    if not labels and (colon := _COLON_LABEL_RE.match(text)):
        # "Text: Jane Doe", "Text und Interview: Jane Doe", "Words: Jane Doe": a few words and a
        # colon before a name written as a name label what the person did; a name before the
        # colon ("Jane Doe: Reporter") is the credit itself and stays.
        rest = text[colon.end():]
        first = re.split(r"\s*[,;|]\s*", rest)[0]
        if not looks_like_person(colon.group("label")) and looks_like_person(first):
            text, labels = rest, 1
        elif (looks_like_person(colon.group("label")) and not looks_like_person(first)
              and (_ROLE_RE.search(first) or _DATE_LABEL_TAIL_RE.search(colon.group("label")))):
            # "Jane Doe: Reporter", "Jane Doe Stand: <date>": the colon ends the name as a comma
            # would; the title or date after it is read as a later part, not run into the name.
            # Before other words ("Jane Doe: a headline") the text stays as it is.
            text = f"{colon.group('label')}, {rest}"
    text = _GLUED_ROLE_RE.sub("", text)
    # One word after a label ("By admin", "Autor Redaktion", "von kj") is what the account that
    # posted the page is called (a login, a desk, a first name), like a login: a credit kept
    # only when no source names someone.
    single = bool(labels) and len(text.split()) == 1
    names: list[tuple[str, bool]] = []
    # The first comma part holds the names ("A and B"); later parts are roles and desks
    # ("Local government reporter", "KBRX Sports") unless they look like another person's name.
    for index, chunk in enumerate(re.split(r"\s*[,;|]\s*", text)):
        chunk, agency = _without_agency(chunk, alone=index > 0)
        org = org or agency
        if index == 0:
            # A title joined to another by "&" ("Founder & Lead Reviewer") before the split
            # on "&" between names.
            chunk = _without_role_tail(chunk)
        for part in re.split(r"\s*(?:&|\band\b|\bund\b|\bet\b)\s*", chunk):
            part = _without_tools(part.strip(" .|-–—:"))
            if index == 0:
                # A date line's label left at the end of the names' part once the date after a
                # comma went ("Jane Doe am Samstag, 19. Oktober").
                part = _without_role_tail(_without_site(_DATE_LABEL_TAIL_RE.sub("", part), sites))
            if (not part or _NOT_A_NAME_RE.search(part) or _CHROME_RE.match(part)
                    or len(part.split()) > MAX_AUTHOR_WORDS or _DIGIT_RE.search(part)):
                continue
            if resolve_name(part):
                org = org or part
                continue
            if part.casefold() in _NOT_PEOPLE or (index > 0 and (not looks_like_person(part)
                                                                 or names_organisation(part))):
                continue
            if _HOST_RE.fullmatch(part) and is_site_address(part):
                # A site's address credits the site, as a publisher's name does: not a person,
                # kept (as printed) only when no source names someone.
                names.append((part, True))
                continue
            account = single or (part.islower() and bool(_LOGIN_RE.fullmatch(part)))
            names.append((part.title() if part.isupper() else part, account))
    return names, org


def names_organisation(text: str) -> bool:
    """Whether ``text`` is an organisation's name by its words (:data:`ORGANISATION_WORDS`) or an
    opening article ("The Harbour Gazette")."""
    return bool(_ORGANISATION_ARTICLE_RE.match(text)) or any(
        word.casefold().strip(".,") in ORGANISATION_WORDS for word in text.split())


def _without_tools(part: str) -> str:
    """``part`` cut where page tools start after a name ("Jane Doe View Profile RSS" -> "Jane
    Doe"), if what is left is a name written as a name; else ``part`` as it was."""
    tool = _CHROME_RE.search(part)
    if tool is None or tool.start() == 0:
        return part
    head = _LEAD_IN_RE.sub("", part[: tool.start()].rstrip(" .|-–—:/")).strip(" .|-–—:/")
    return head if looks_like_person(head) else part


def _without_site(part: str, sites: tuple[str, ...]) -> str:
    """``part`` without the site's own name after or before a name ("Jane Doe SITE", "SITE -
    Jane Doe", "Jane Doe SITE Staff": a title may follow it), if what is left is a name written
    as a name; else ``part`` as it was. A site named after its writer stays whole."""
    for site in sites:
        match = re.search(rf"(?:^|(?<=\s)){re.escape(site)}(?=\s|$)", part, re.IGNORECASE)
        if match is None:
            continue
        head, tail = part[: match.start()].strip(" |-–—:,"), part[match.end():].strip(" |-–—:,")
        if head and tail and not _ROLE_TAIL_RE.fullmatch(" " + tail):
            continue  # the site's name inside the text, between other words
        rest = head or tail
        if looks_like_person(rest) and not names_organisation(rest):
            return rest
    return part


def _without_role_tail(part: str) -> str:
    """``part`` without a job title after a spaced name ("Jane Doe Games Editor" -> "Jane Doe"),
    if what is left is a name written as a name that does not end in a function word ("Letters
    To The Editor" stays); else ``part`` as it was."""
    if len(part.split()) < 3 or not (role := _ROLE_TAIL_RE.search(part)):
        return part
    head = part[: role.start()].strip(" ,")
    return head if looks_like_person(head) and not _LEAD_IN_RE.search(" " + head.split()[-1]) else part


#: Wire and publisher names as they are printed (the spellings of :data:`WIRE_NAMES`), longest
#: first, so "The Associated Press" is tried before "Associated Press".
_PRINTED_WIRE_NAMES = sorted({name for name in WIRE_NAMES.values() if " " in name} | {"Reuters", "AFP", "AP"},
                             key=len, reverse=True)


#: "the" left at a byline's end once a wire's name is split off ("By the Associated Press").
_TRAILING_ARTICLE_RE = re.compile(r"(?:^|\s+)[Tt]he$")


def _split_glued_wire(text: str) -> tuple[str, str | None]:
    """A byline that ends in a wire's name with no separator ("JANE DOE and JOHN ROEAssociated
    Press", "Jane Doe Associated Press"): (the names, the wire). Names alone are kept as they
    are; a name that only *ends* in a wire's letters ("Jessica Reuters") is not split unless the
    join shows it (an upper-case name run into a capital and lower-case letters). A code in
    capitals run into an upper-case name shows no join ("KNAP" is a surname, not "KN" and "AP")."""
    for name in _PRINTED_WIRE_NAMES:
        if not text.endswith(name) or len(text) <= len(name) + 2:
            continue
        head = text[: -len(name)]
        glued = (not name.isupper() and head[-1:].isupper()
                 and head.rstrip().split()[-1].isupper())
        spaced = head.endswith(" ") and " " in name
        if glued or spaced:
            # "By the Associated Press": the article belongs to the wire's name, not to a person.
            return _TRAILING_ARTICLE_RE.sub("", head.rstrip(" ,|-–—")).rstrip(" ,|-–—"), name
    return text, None



#: News agencies as bylines print them, in several countries' languages: a byline's part that
#: ends in one ("Jane Doe AP", "JANE DOE Associated Press Writer", "Jane Doe, dpa-Korrespondentin")
#: credits the agency after the writer's name. Case matters: the codes are capitals (lower-case
#: "dpa" and "epd" as those agencies print themselves), so a word like "Ap" or "Ansa" in a name is
#: not one.
_AGENCY_CODES = r"AP|AFP|dpa|DPA|EFE|ANSA|APA|ANP|KNA|epd|PAP|UPI|PTI|IANS|AAP"
_AGENCY_NAMES = (r"(?:The\s+)?Associated\s+Press|(?:Thomson\s+)?Reuters|Agence\s+France[-\s]Presse|Deutsche\s+Presse-Agentur"
                 r"|Austria\s+Presse\s+Agentur|Europa\s+Press|Belga|Kyodo(?:\s+News)?|Xinhua|Yonhap|TASS|Notimex"
                 r"|United\s+Press\s+International|Press\s+Trust\s+of\s+India|(?:The\s+)?Canadian\s+Press")
#: The role words that follow an agency's name ("AP Sports Writer", "Reuters Correspondent",
#: "dpa-Korrespondent", "AFP Staff"), plural too, in the label languages.
_AGENCY_ROLES = (r"(?:writer|correspondent|reporter|editor|staff|photographer|journalist|contributor|columnist"
                 r"|korrespondent(?:in)?|redakteur(?:in)?|mitarbeiter(?:in)?|correspondant(?:e)?|journaliste"
                 r"|corresponsal|redactor(?:a)?|periodista|corrispondente|giornalista|inviat[oa]|correspondente"
                 r"|jornalista)(?:s|es|en|nen)?")
#: A byline part's end: an agency (spaced, after a dash or slash, or a name written in
#: lower-case letters glued to an all-capital name), then one to three capitalised words and a role word or nothing. ``bare`` is set when no
#: role follows.
_AGENCY_TAIL_RE = re.compile(
    rf"(?:^|\s+|\s*[-–—/]\s*|(?<=[A-Z]))(?P<org>{_AGENCY_CODES}|{_AGENCY_NAMES})"
    rf"(?:(?P<role>(?:[\s-]+[A-Z][\w&'’.-]*){{0,3}}[\s-]+(?i:{_AGENCY_ROLES}))|(?P<bare>))\s*$")


def _without_agency(part: str, alone: bool) -> tuple[str, str | None]:
    """``part`` without a news agency (and its role words) at its end, and the agency; the part
    as it was and None unless what stands before the agency is names written as names (an
    all-capital name too) or, with ``alone`` (a later comma part), nothing.

    A bare name ("Jane Doe Reuters") is split only for an agency code: a full agency name alone
    after a name can be a surname ("Reuters"), the reason the glued split asks for capitals.
    """
    match = _AGENCY_TAIL_RE.search(part)
    if match is None:
        return part, None
    org = match.group("org")
    head = part[: match.start()].strip(" ,|-–—/")
    if not head:
        return ("", org) if alone and match.group("role") is not None else (part, None)
    glued = match.start() == match.start("org")
    if match.group("bare") is not None and not (re.fullmatch(_AGENCY_CODES, org) or glued):
        return part, None
    # A code glued to capitals is no join one can see ("KNAP" is no "KN" and "AP").
    if glued and (re.fullmatch(_AGENCY_CODES, org) or not head.split()[-1].isupper()):
        return part, None
    names = re.split(r"\s*(?:&|\band\b|\bund\b|\bet\b|\bAND\b)\s*", head)
    if all(looks_like_person(n.title() if n.isupper() else n) for n in names):
        return head, org
    return part, None


def looks_like_person(text: str) -> bool:
    """Two or three capitalised words and no role's word: a name, not a desk or a section."""
    words = text.split()
    return (2 <= len(words) <= 3 and all(w[:1].isupper() and not w.isupper() for w in words)
            and not _ROLE_RE.search(text))


@dataclass(frozen=True, slots=True)
class CleanedAuthors:
    """What the bylines of one source say, read once: the people's names, the same names with
    the accounts' credits (logins) among them, and the organisations credited (each unique, in
    order)."""

    names: list[str]
    with_accounts: list[str]
    orgs: list[str]


def read_authors(raws: list[str], sites: tuple[str, ...] = ()) -> CleanedAuthors:
    """The names and organisations in ``raws``, each byline string read once; ``sites`` are the
    site's own names (its ``og:site_name``, its domain's name), cut from before or after a name."""
    names: list[str] = []
    with_accounts: list[str] = []
    orgs: list[str] = []
    for raw in raws:
        found, org = _read_byline(raw, sites)
        for name, account in found:
            if name not in with_accounts:
                with_accounts.append(name)
            if not account and name not in names:
                names.append(name)
        if org and org not in orgs:
            orgs.append(org)
    return CleanedAuthors(names, with_accounts, orgs)


def credits(body_blocks: list[str], page_blocks: list[str], byline_orgs: list[str],
            ld: dict | None = None) -> list[Credit]:
    """Wire services or original publishers credited on the page, in order of evidence found."""
    found: list[Credit] = []

    def add(raw: str, evidence: str, keep_unknown: bool = False) -> None:
        name = resolve_name(raw) or (raw.strip() if keep_unknown else None)
        if name and all(c.name != name for c in found):
            found.append(Credit(name, evidence))

    for block in body_blocks[:2]:
        if match := _DATELINE_RE.match(block):
            add(match.group(1), "dateline", keep_unknown=match.group(1).isupper())
    for org in byline_orgs:
        add(org, "byline", keep_unknown=True)
    for block in page_blocks + body_blocks:
        # Each credit pattern holds a literal word: only a block holding it is scanned (the
        # case-insensitive start of the "via" pattern is tried at every position of a block).
        if " Photo" in block:
            for code in _PHOTO_CREDIT_RE.findall(block):
                add(code, "photo_credit", keep_unknown=code.isupper())
        if "via " in block:
            for code in _VIA_CREDIT_RE.findall(block):
                if code.isupper():
                    add(_known_prefix(code), "photo_credit", keep_unknown=True)
    # The source line's parts often sit in separate elements: read them as one text.
    everything = page_blocks + body_blocks
    page_text = " ".join(everything) if any("原网页" in b for b in everything) else ""
    if page_text and (match := _PORTAL_SOURCE_RE.search(page_text)):
        add(match.group("org"), "source_line", keep_unknown=True)
    for block in page_blocks[-40:] + body_blocks[-3:]:
        for match in _COPYRIGHT_RE.finditer(block):
            add(match.group("org"), "copyright")
    source = (ld or {}).get("sourceOrganization")
    if isinstance(source, dict) and isinstance(source.get("name"), str):
        add(source["name"], "json-ld", keep_unknown=True)
    return found
