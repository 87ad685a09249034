"""Store test data: hand-written article texts and a factory of (Page, ArticleRecord) pairs."""

from __future__ import annotations

import datetime as dt
import html
from dataclasses import dataclass
from urllib.parse import urlsplit

from newscrawl.model import ArticleRecord, Page, Repair

TRAM = """\
The city council of Marlow Bay voted eleven to four on Tuesday night to approve the long-debated \
eastern tram extension, ending nearly six years of studies, public hearings and legal challenges \
from residents along the planned route.

The four-kilometre line will run from the central railway station through the old warehouse \
district to the new hospital campus at Fenwick Hill, with seven stops and a depot on reclaimed \
industrial land. Construction is expected to begin next spring and to take about three years.

Deputy mayor Ilse Korhonen, who has championed the project since her first term, said the vote \
was a turning point for a neighbourhood that had long been cut off from the rest of the city. \
"People in the east have waited long enough for a reliable way to get to work, to school and to \
the hospital," she told reporters after the session.

Opponents argued that the estimated cost of 412 million euros was unrealistic and that the \
council had underestimated the disruption to small shops on Harbour Street during construction. \
A residents' association said it would study the decision before choosing whether to appeal.

The regional transport authority has promised to cover forty percent of the cost, with the rest \
coming from the city budget and a loan from a public investment bank. The first trams are due to \
carry passengers in the autumn of the third year of works.
"""

# The same report a day later: a sentence added to the lead, the appeal paragraph rewritten and a
# new closing paragraph. Different text (another body_hash), clearly the same story.
TRAM_EDITED = """\
The city council of Marlow Bay voted eleven to four on Tuesday night to approve the long-debated \
eastern tram extension, ending nearly six years of studies, public hearings and legal challenges \
from residents along the planned route. The decision was greeted with applause from the gallery.

The four-kilometre line will run from the central railway station through the old warehouse \
district to the new hospital campus at Fenwick Hill, with seven stops and a depot on reclaimed \
industrial land. Construction is expected to begin next spring and to take about three years.

Deputy mayor Ilse Korhonen, who has championed the project since her first term, said the vote \
was a turning point for a neighbourhood that had long been cut off from the rest of the city. \
"People in the east have waited long enough for a reliable way to get to work, to school and to \
the hospital," she told reporters after the session.

Opponents argued that the estimated cost of 412 million euros was unrealistic. On Wednesday \
morning the Harbour Street traders' group lodged a formal appeal with the administrative court, \
asking it to suspend the decision until an independent cost review has been carried out.

The regional transport authority has promised to cover forty percent of the cost, with the rest \
coming from the city budget and a loan from a public investment bank. The first trams are due to \
carry passengers in the autumn of the third year of works.

A spokesperson for the court said a first hearing could be scheduled within two months.
"""

VINEYARD = """\
Growers in the Valcerra hills began picking grapes almost three weeks earlier than usual this \
year, after a summer in which barely any rain fell between the middle of May and the end of \
August.

At the cooperative cellar in San Dolmo, trucks loaded with small, thick-skinned bunches queued \
from dawn on Monday. The cellar's oenologist, Paola Mereu, said sugar levels were high but the \
volume was down by about a quarter compared with an average vintage.

Older vines with deep roots coped better than young plantings, many of which had to be watered \
by hand from tanks. Several families who farm terraces above the river said they had lost most \
of the fruit on their steepest plots, where the soil is thin and dries out within days.

The regional farmers' union has asked for the harvest to be declared a natural disaster, which \
would let growers defer loan repayments and apply for compensation. Officials said a decision \
would follow an inspection of the worst-hit municipalities later this month.
"""

# A story in three parts, for the no-chaining test: the first version has parts 1-2, an update
# has parts 1-4 (contains the first: same story), a later text has parts 3-4 only plus new
# material (similar to the update, not to the first version).
LIBRARY_PARTS = [
    """The old customs house on Quay Road will reopen in March as the town's new public library, \
the heritage trust that owns the building announced on Friday after three years of restoration.""",
    """Architects kept the cast-iron columns and the painted ceiling of the main hall, which had \
been hidden behind plasterboard since the nineteen-sixties, and added a glass reading room on \
the roof overlooking the estuary.""",
    """The collection of about ninety thousand books will move from the cramped former school on \
Mill Lane over six weeks in January, during which only the children's section will stay open.""",
    """Volunteers from the local history society have offered to catalogue the customs records \
found in the cellars, some of which date back to the reign of Queen Anne and list cargoes of \
salt, timber and French wine.""",
    """A crowdfunding appeal for a mobile library van to serve the outlying villages has raised \
just over half of its target, the trust said, and will remain open until the end of the year.""",
]


# Two outlets' own reports of one flood (different texts: two stories, one event) and the same
# town's budget news (another event).
FLOOD = """\
Floodwater from the swollen Vessa River broke through a levee outside Dunmere on Sunday, forcing \
about 2,300 people from their homes, the regional emergency office said.

Mayor Oskar Lindgren said crews from Dunmere and neighbouring Holt had worked through the night. \
"We lost the fight for the north bank," he said. Two people were taken to Saint Brigid Hospital.

The river rose 4.2 metres in 36 hours after a week of rain, the Vessa Basin Authority said. The \
levee was last reinforced in 2009."""

# Another outlet's own report of the same flood: other words, the same names and numbers.
FLOOD_OTHER = """\
Hundreds of families spent the night in school gyms after the Vessa River burst a levee near \
Dunmere, in what officials called the worst flooding in a generation.

Around 2,300 residents left their homes. "The north bank is gone for now," Mayor Oskar Lindgren \
told reporters in Holt, where a shelter opened at the sports hall.

The Vessa Basin Authority said the river had risen more than four metres in 36 hours."""

# The same town, another event: the council's budget.
TOWN_BUDGET = """\
The council of Dunmere approved a budget of 48 million crowns on Thursday, with Mayor Oskar \
Lindgren promising to keep property taxes flat for a third year.

Spending on roads rises by 12 percent. The opposition said the plan ignored the harbour."""


@dataclass
class Article:
    page: Page
    record: ArticleRecord


def article_html(title: str, body: str) -> bytes:
    paragraphs = "".join(f"<p>{html.escape(p)}</p>" for p in body.split("\n\n") if p.strip())
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}"
            f"</title></head><body><article><h1>{html.escape(title)}</h1>{paragraphs}"
            f"</article></body></html>").encode("utf-8")


def make_article(url: str, body: str, *, title: str = "Council approves eastern tram line",
                 fetched_at: dt.datetime | None = None, raw: bytes | None = None,
                 skip_reason: str | None = None, site_name: str | None = None,
                 headers: dict[str, str] | None = None) -> Article:
    from newscrawl.stages.fingerprint import fingerprint

    host = urlsplit(url).hostname
    page = Page.build(
        url,
        raw if raw is not None else article_html(title, body),
        headers if headers is not None else {
            "Content-Type": "text/html; charset=utf-8",
            "ETag": f'"{abs(hash(body)) % 10**8:08d}"',
            "Last-Modified": "Tue, 14 Oct 2025 18:02:11 GMT",
        },
        fetched_at=fetched_at or dt.datetime(2025, 10, 14, 20, 0, tzinfo=dt.timezone.utc),
    )
    record = ArticleRecord(
        url=url, site=host, title=title, body=body if skip_reason is None else "",
        language="en", language_confidence=0.99, chrome_languages=["en", "fr"],
        encoding="utf-8", encoding_source="meta",
        published_at=dt.datetime(2025, 10, 14, 19, 30, tzinfo=dt.timezone(dt.timedelta(hours=2))),
        published_source="json-ld", authors=["A. Reporter"], canonical_url=url,
        site_name=site_name or (host or "").split(".")[0].title(),
        repairs=[Repair("repair", "mojibake", 2, ("cafÃ©",))],
        fingerprint=fingerprint(body) if skip_reason is None else None,
        skip_reason=skip_reason,
    )
    return Article(page, record)


# A wire story, a newspaper's rewrite of it and another outlet's own report of the same event
# (tests of the rewrite verification and the word-band lookup).
DESAL_WIRE = """LAKEMOUTH, March 3 (Valley Wire) - The regional water board on Monday approved a plan to \
build a desalination plant at Lakemouth harbour that will supply 40,000 homes from 2029, board \
chair Ines Varga told a news conference. The plant will cost 212 million crowns, of which the \
national government will pay about half, she said. Work on the intake pipes is expected to start \
next spring, after a final environmental review by the coastal authority. Fishermen in the \
harbour have protested against the plan for months, saying the brine it returns to the sea will \
harm the spawning grounds east of the breakwater. Varga said the board would monitor the water \
near the outlet every week and publish the results on its website."""

# The same wire story rewritten by a newspaper: new headline and lead, clauses reordered,
# sentences merged and cut, many word forms changed; its figures and names in the wire's order.
DESAL_REWRITE = """Lakemouth to get desalination plant despite fishermen's protests

The regional water board on Monday gave its approval to the plan to build a desalination plant \
at Lakemouth harbour, which is to supply 40,000 homes from 2029. Board chair Ines Varga told \
reporters the plant will cost 212 million crowns and that the national government will pay \
about half of it. After a final environmental review by the coastal authority, work on the \
intake pipes should start next spring. Fishermen in the harbour have been protesting against the \
plan for months; they say the brine returned to the sea will harm the spawning grounds. The \
board will monitor the water near the outlet every week, Varga said."""

# Another outlet's own report of the same decision: the same facts and names, its own sentences.
DESAL_OWN_REPORT = """Fishermen vow to fight Lakemouth desalination decision

Angry crews gathered on the quay at Lakemouth on Monday evening after hearing that the water \
board had voted for the desalination plant. "They have not listened to one of us," said trawler \
owner Piet Soames, 58, whose family has fished east of the breakwater for three generations. The \
board's chair, Ines Varga, says weekly tests near the outlet will protect the spawning grounds. \
Soames does not believe it. Homes across the district are to get water from the plant from 2029 \
and the government in the capital has promised to cover about half of the 212 million crowns. \
Soames said the fishermen's association would ask a court to stop the intake works before spring."""


def reworded_every(text: str, n: int) -> str:
    """``text`` with every ``n``-th word replaced: 3-grams break, runs of kept words stay."""
    return " ".join(f"w{i}" if i % n == n - 1 else w for i, w in enumerate(text.split()))
