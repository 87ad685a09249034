"""A synonym-substitution "spinner": the rewording content farms apply to copied news.

Content farms republish wire stories through article spinners that swap words for thesaurus
synonyms ("said" -> "stated", "residents" -> "inhabitants", "fire" -> "blaze") so that the copy
does not look copied. newscrawl must still give such a copy the story key of its source, so the
evidence corpus (:mod:`evaluation.corpus`) makes spun copies at several strengths with
this module and measures how many are recognised.

Design decisions:

* **Our own, small synonym table** (:data:`SYNONYM_GROUPS`): groups of interchangeable common
  news words, each form listed explicitly (no stemming: a spinner's thesaurus is a flat list, and
  flat lists make wrong inflections that real spun copies also show). Real spinners target common
  words; names, numbers and rare terms have no thesaurus entry. This is what the fingerprint's
  anchors rely on, so the assumption is written down here and measured in docs/measurements.md.
* **Strength** is the probability that an eligible word (one with an entry) is replaced. At 1.0
  every eligible word changes -- about a quarter of an English news text's words (median 0.26
  on the dev articles), which leaves a median 0.41 of its word 3-grams: the level of the worst
  real spun copy among the seeds (001 against 004: 0.39).
* **Quoted speech is spun too**: spinners do not respect quotation marks, and a test corpus that
  spared quotes would overstate what the quote anchors can do.
* **Deterministic**: every choice comes from ``random.Random(seed)`` (only ``random()`` and
  ``randrange()``, whose sequences Python keeps stable for an int seed); the same text, strength
  and seed always give the same copy. Each eligible word draws its number and its replacement
  whatever the strength, so a stronger spin with the same seed swaps a superset of the words.
* Case is carried over (``Said`` -> ``Stated``, ``SAID`` -> ``STATED``); everything that is not
  a word (punctuation, spacing, paragraph breaks) is kept byte for byte.
"""

from __future__ import annotations

import random
import re

#: Interchangeable words, one group per line. Written for this project; common news vocabulary,
#: then the function-word swaps spinners are known for ("and" -> "as well as", "has" ->
#: "possesses"). ``_`` stands for a space in a multi-word replacement.
SYNONYM_GROUPS: tuple[tuple[str, ...], ...] = tuple(
    tuple(line.split()) for line in """
said stated declared remarked
says states declares remarks
told informed advised
tell inform advise
asked questioned queried
announced revealed disclosed
reported noted indicated
officials authorities administrators
official authority administrator
residents inhabitants locals
resident inhabitant local
people individuals persons
workers laborers employees
worker laborer employee
fire blaze inferno
fires blazes infernos
attack assault strike
attacks assaults strikes
killed slain
injured wounded hurt
big large huge
small little tiny
many numerous several
begin start commence
began started commenced
begins starts commences
end finish conclude
ended finished concluded
show display demonstrate
showed displayed demonstrated
shows displays demonstrates
help assist aid
helped assisted aided
helps assists aids
need require
needs requires
needed required
use utilize employ
used utilized employed
uses utilizes employs
make create produce
made created produced
makes creates produces
get obtain acquire
got obtained acquired
gets obtains acquires
buy purchase
bought purchased
city town municipality
cities towns municipalities
country nation
countries nations
government administration regime
company firm business corporation
companies firms businesses corporations
important significant crucial vital
problem issue difficulty
problems issues difficulties
plan scheme proposal
plans schemes proposals
house home residence dwelling
houses homes residences dwellings
building structure edifice
buildings structures edifices
car vehicle automobile
cars vehicles automobiles
road street avenue
roads streets avenues
children kids youngsters
child kid youngster
money funds cash
fast quick rapid swift
quickly rapidly swiftly speedily
slowly gradually
often frequently regularly
also additionally likewise
however nevertheless nonetheless
about approximately roughly around
near close nearby
after following
before prior
during throughout
because since
think believe reckon
thinks believes reckons
thought believed reckoned
want wish desire
wants wishes desires
wanted wished desired
try attempt endeavor
tried attempted endeavored
tries attempts endeavors
keep retain maintain
kept retained maintained
stop halt cease
stopped halted ceased
change alter modify
changed altered modified
changes alters modifies
increase rise growth
decrease decline drop
build construct erect
built constructed erected
leave depart exit
left departed exited
find discover locate
found discovered located
finds discovers locates
happened occurred transpired
happen occur transpire
area region zone
areas regions zones
part portion section
parts portions sections
place location spot site
places locations spots sites
week period
job position role
jobs positions roles
work labor toil
group team crew
groups teams crews
meeting gathering assembly
meetings gatherings assemblies
news information reports
report account
story tale narrative
result outcome consequence
results outcomes consequences
effect impact
effects impacts
reason cause motive
reasons causes motives
idea concept notion
ideas concepts notions
way method approach manner
ways methods approaches manners
question query
questions queries
answer reply response
early premature
late belated tardy
old aged elderly
new fresh novel
young youthful
high elevated lofty
low reduced
good great fine excellent
bad poor terrible awful
hard difficult tough
easy simple effortless
strong powerful robust
weak feeble frail
safe secure protected
dangerous hazardous perilous risky
clear obvious evident apparent
sure certain confident
ready prepared
able capable
likely probable
possible feasible
different distinct diverse
similar comparable alike
enough sufficient adequate
main primary principal chief
major key leading
whole entire complete
recent latest
previous prior earlier former
final last ultimate
real actual genuine
true accurate correct
full complete
free complimentary
public community
private personal
local regional neighborhood
national countrywide
international global worldwide
economic financial fiscal
political governmental
military armed
police law-enforcement
hospital clinic infirmary
doctor physician medic
doctors physicians medics
school academy
schools academies
student pupil learner
students pupils learners
teacher instructor educator
teachers instructors educators
leader chief head
leaders chiefs heads
member participant
members participants
expert specialist
experts specialists
study research analysis
studies analyses
data figures statistics
rate ratio
price cost
prices costs
market marketplace
markets marketplaces
deal agreement arrangement
deals agreements arrangements
law legislation statute
laws statutes
rule regulation
rules regulations
vote ballot
voters electors
election poll
elections polls
war conflict fighting
troops soldiers forces
weapon arm armament
weapons arms armaments
death demise passing
deaths fatalities
victim casualty
victims casualties
damage harm destruction
damaged harmed destroyed
storm tempest gale
water liquid
food meals nourishment
family household relatives
friend companion pal
friends companions pals
woman lady female
women ladies females
man gentleman male
men gentlemen males
home residence
life existence
world globe planet
day date
night evening
morning dawn daybreak
today currently presently
now currently
soon shortly presently
later subsequently afterward
again once_more
still yet
almost nearly practically virtually
very extremely highly really
just merely simply only
even actually
already previously
usually typically normally generally
several various multiple
each every
other another
large sizable substantial
begin initiate launch
launched initiated
continue proceed persist
continued proceeded persisted
continues proceeds persists
include incorporate comprise
included incorporated comprised
includes incorporates comprises
provide supply furnish offer
provided supplied furnished offered
provides supplies furnishes offers
receive get accept
received gotten accepted
allow permit enable
allowed permitted enabled
allows permits enables
expect anticipate
expected anticipated
expects anticipates
seem appear
seemed appeared
seems appears
remain stay
remained stayed
remains stays
call phone ring
called phoned named
move shift relocate
moved shifted relocated
run operate manage
ran operated managed
pay compensate
paid compensated
meet encounter
lose forfeit
lost forfeited misplaced
win triumph prevail
won triumphed prevailed
fight battle combat struggle
fought battled combated struggled
protect defend guard shield
protected defended guarded shielded
support back endorse
supported backed endorsed
supports backs endorses
oppose resist object
opposed resisted objected
explain clarify
explained clarified
describe depict portray
described depicted portrayed
decide determine resolve
decided determined resolved
agree concur
agreed concurred
warn caution alert
warned cautioned alerted
claim assert allege contend
claimed asserted alleged contended
deny reject refute
denied rejected refuted
confirm verify corroborate
confirmed verified corroborated
and plus as_well_as
but however yet
which that
in within inside
on upon
with alongside
over above
under below beneath
into right_into
has possesses
have possess
had possessed
is remains
are remain
was had_been
were had_been
will shall
would might
could might
can may
also too
more additional extra
most many_of_the
first initial
this that
these those
""".strip().splitlines()
    if line.strip()
)


def _build_table() -> dict[str, tuple[str, ...]]:
    table: dict[str, list[str]] = {}
    for group in SYNONYM_GROUPS:
        for word in group:
            # A word in two groups keeps the alternatives of both (flat thesaurus, like spinners).
            alternatives = table.setdefault(word, [])
            alternatives.extend(w for w in group if w != word and w not in alternatives)
    return {word: tuple(alts) for word, alts in table.items()}


#: word (lower case) -> its replacements.
SYNONYMS: dict[str, tuple[str, ...]] = _build_table()

_WORD_RE = re.compile(r"[A-Za-z][A-Za-z'-]*[A-Za-z]|[A-Za-z]")


def _with_case(replacement: str, original: str) -> str:
    if original.isupper() and len(original) > 1:
        return replacement.upper()
    if original[0].isupper():
        return replacement[0].upper() + replacement[1:]
    return replacement


def spin(text: str, strength: float, seed: int) -> str:
    """``text`` with each word that has synonyms replaced with probability ``strength``.

    ``strength`` must be within [0, 1]; ``seed`` makes the copy reproducible.
    """
    if not 0.0 <= strength <= 1.0:
        raise ValueError(f"strength must be within [0, 1], got {strength!r}")
    rng = random.Random(seed)

    def replace(match: re.Match[str]) -> str:
        word = match.group(0)
        alternatives = SYNONYMS.get(word.lower())
        if not alternatives:
            return word
        # Draw for every eligible word, replaced or not, so that a higher strength with the same
        # seed replaces a superset of the words a lower one replaced (copies nest by strength).
        draw = rng.random()
        pick = alternatives[rng.randrange(len(alternatives))]
        return _with_case(pick.replace("_", " "), word) if draw < strength else word

    return _WORD_RE.sub(replace, text)


def eligible_share(text: str) -> float:
    """Share of the words of ``text`` that have a synonym (what strength 1.0 replaces)."""
    words = _WORD_RE.findall(text)
    if not words:
        return 0.0
    return sum(w.lower() in SYNONYMS for w in words) / len(words)


__all__ = ["SYNONYMS", "SYNONYM_GROUPS", "eligible_share", "spin"]
