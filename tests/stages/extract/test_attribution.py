"""Authors and wire/publisher credits: data-driven cases, then the sample sites."""

import pytest

from newscrawl.stages.extract.attribution import clean_author, credits
from evaluation.samples import article_cases


@pytest.mark.parametrize(
    "raw, names, org",
    [
        ("By Jane Doe, Associated Press", ["Jane Doe"], "Associated Press"),
        ("By  Ana Ruiz  and  Tom Berg  | Continental Wire Service", ["Ana Ruiz", "Tom Berg"], "Continental Wire Service"),
        ("ANA RUIZ and TOM BERG, Continental Wire Service", ["Ana Ruiz", "Tom Berg"], "Continental Wire Service"),
        ("By Jane Doe, John Roe", ["Jane Doe", "John Roe"], None),
        ("Imogen Vale, Local government reporter", ["Imogen Vale"], None),
        ("NOÉ LARA, KXYZ Sports", ["Noé Lara"], None),
        ("by admin", [], None),
        ("Email the author", [], None),
        ("Reuters", [], "Reuters"),
        ("Von Anna Schmidt", ["Anna Schmidt"], None),
        # A date or time the byline element runs on into, with or without a space.
        ("Odile Marchetti March 3", ["Odile Marchetti"], None),
        ("Odile MarchettiOctober 12", ["Odile Marchetti"], None),
        ("By Odile Marchetti, Sept. 9, 2025", ["Odile Marchetti"], None),
        ("Odile Marchetti 10:45 AM ET", ["Odile Marchetti"], None),
        ("Odile Marchetti Updated 3 hours ago", ["Odile Marchetti"], None),
        ("Odile MarchettiPublished on July 18", ["Odile Marchetti"], None),
        ("Written By:Odile MarchettiLast Updated:August 1", ["Odile Marchetti"], None),
        ("Posted by Odile Marchetti on Monday December 15, 2025 @02:30PM", ["Odile Marchetti"], None),
        ("Pavel Ruskin on 3 March 2024", ["Pavel Ruskin"], None),
        ("Odile Marchetti • March 12", ["Odile Marchetti"], None),
        ("Pavel Rusk2022-11-23T08:10+02:00", ["Pavel Rusk"], None),
        # A date line with no name is no author.
        ("Updated January 08", [], None),
        # A month's name inside a name is not a date.
        ("June Marchetti", ["June Marchetti"], None),
        ("Mayra Augusto", ["Mayra Augusto"], None),
        # A wire's name glued onto the names, or after them with only a space.
        ("ODILE MARCHETTI and PAVEL RUSKAssociated Press", ["Odile Marchetti", "Pavel Rusk"], "Associated Press"),
        ("Odile Marchetti Associated Press", ["Odile Marchetti"], "Associated Press"),
        ("ODILE MARCHETTIReuters", ["Odile Marchetti"], "Reuters"),
        # A capitals code run into a capitals surname shows no join: the surname stays whole.
        ("By PAVEL TRENAP", ["Pavel Trenap"], None),
        ("ODILE KASSAFP", ["Odile Kassafp"], None),
        # A news agency with its role words after the names: the person is the author, the agency
        # the credit; all-capital names are names too.
        ("Tobias Wrenfield AP Sports Writer", ["Tobias Wrenfield"], "AP"),
        ("TOBIAS WRENFIELD Associated Press Writer", ["Tobias Wrenfield"], "Associated Press"),
        ("ODILE MARCHETTI and PAVEL RUSKAssociated Press Writers", ["Odile Marchetti", "Pavel Rusk"], "Associated Press"),
        ("By Odile Marchetti, AP Legal Affairs Writer", ["Odile Marchetti"], "AP"),
        ("Odile Marchetti, dpa-Korrespondentin", ["Odile Marchetti"], "dpa"),
        ("Pavel Rusk AFP Correspondent", ["Pavel Rusk"], "AFP"),
        ("PAVEL RUSK AP", ["Pavel Rusk"], "AP"),
        ("Pavel Rusk / EFE", ["Pavel Rusk"], "EFE"),
        # Guards: an agency's full name alone after a name may be a surname; one name alone is
        # not a name written as a name; a code in a name is no code.
        ("Odile Reuters", ["Odile Reuters"], None),
        ("Odile Marchetti Reuters", ["Odile Marchetti Reuters"], None),
        ("Pavel Ansa Rusk", ["Pavel Ansa Rusk"], None),
        ("Harbour Desk AP Writer", ["Harbour Desk AP Writer"], None),
        # "By" glued to the name, and an "Author:" label, spaced or glued.
        ("ByOdile Marchetti", ["Odile Marchetti"], None),
        ("Written byPavel Rusk", ["Pavel Rusk"], None),
        ("Text by Pavel Rusk", ["Pavel Rusk"], None),
        ("AuthorOdile Marchetti", ["Odile Marchetti"], None),
        ("Authors: Odile Marchetti, Pavel Rusk", ["Odile Marchetti", "Pavel Rusk"], None),
        # The author label of each language read, spaced, after a colon or glued; a name may
        # start with "By".
        ("Author Pavel Rusk", ["Pavel Rusk"], None),
        ("Autor: Odile Marchetti", ["Odile Marchetti"], None),
        ("Auteur : Pavel Rusk", ["Pavel Rusk"], None),
        ("Autorin Odile Marchetti", ["Odile Marchetti"], None),
        ("Author Odile Marchetti, Staff Writer", ["Odile Marchetti"], None),
        ("AutoreOdile Marchetti", ["Odile Marchetti"], None),
        ("Byron Tassel", ["Byron Tassel"], None),
        # A label with nothing after it is no name.
        ("By", [], None),
        ("Published by", [], None),
        ("Auteurs", [], None),
        # One word after a label is an account's credit, not a person's name (see
        # test_accounts_credits_are_names_only_when_asked).
        ("Autor Lokalredaktion", [], None),
        ("von quillfeder", [], None),
        # A label that is also a surname particle, capitalised before one capitalised word, is
        # still a label: "Di Marco" reads as "by Marco" as well as a surname.
        ("Von Konrad", [], None),
        ("Di Marco", [], None),
        # A site's address is the site's credit, not a person's name.
        ("harbour-gazette.com", [], None),
        ("HarbourGazette.de", [], None),
        ("Autor: www.harbourgazette.co.uk", [], None),
        # A date (and its time) that the byline opens with, and a reading time it ends with.
        ("Nov 3, 2025Odile Marchetti", ["Odile Marchetti"], None),
        ("4 Feb 2026 at 09:15, Pavel Rusk", ["Pavel Rusk"], None),
        ("Jan 8, 2026 at 07:40 UTC by Pavel Rusk", ["Pavel Rusk"], None),
        ("Tue, 4 Feb, 2026 - 09:15", [], None),
        ("Odile Marchetti6 min read", ["Odile Marchetti"], None),
        ("Pavel Rusk-March 3, 2026", ["Pavel Rusk"], None),
        # A job title glued onto the name; a capital after a short prefix is part of the name.
        ("Odile MarchettiSenior Reporter", ["Odile Marchetti"], None),
        ("Pavel RuskFounder at Ferrylink", ["Pavel Rusk"], None),
        ("Odile McAllister", ["Odile McAllister"], None),
        # A job title after a spaced name, with its rank and desk words, when a name written as
        # a name is left; in a later comma part, and before function words, it stays.
        ("Pavel DeMarco Reporter", ["Pavel DeMarco"], None),
        ("Odile Marchetti Games Editor", ["Odile Marchetti"], None),
        ("Pavel Rusk Contributing Writer", ["Pavel Rusk"], None),
        ("Letters To The Editor", ["Letters To The Editor"], None),
        ("Pavel Rusk, Harbour Gazette Staff Writer", ["Pavel Rusk"], None),
        # A name holds no digit: counts and account ids are not authors.
        ("2,140 readers this week", [], None),
        ("318220197114", [], None),
        # A CMS account's login is no person's name (see test_a_login_is_a_name_only_when_asked).
        ("odile.marchetti", [], None),
        ("pavel_rusk", [], None),
        # "Post" is a surname after a first name; "Posts by" and kinds of post are labels.
        ("Emily Post", ["Emily Post"], None),
        ("By Odile Marchetti and Pavel Post", ["Odile Marchetti", "Pavel Post"], None),
        ("View all posts", [], None),
        ("Guest Post", [], None),
        ("Post a comment", [], None),
        # A part that opens with account or page tools, in the label languages, spaced or
        # glued, is no name. A name holding such letters inside a word stays.
        ("LoginRegister Log-out", [], None),
        ("View Comments", [], None),
        ("Alle Artikel", [], None),
        ("Mon compte", [], None),
        ("Share Tweet Print", [], None),
        ("Odile Marchetti, SubscribeNewsletter", ["Odile Marchetti"], None),
        ("Twitter Facebook", [], None),
        # Tools after a name are cut with their lead-in words when a name written as a name is
        # left; else the part stays as it was.
        ("Odile Marchetti View Profile RSS", ["Odile Marchetti"], None),
        ("Pavel Rusk Author’s Profile", ["Pavel Rusk"], None),
        ("Odile Marchetti Alle Artikel", ["Odile Marchetti"], None),
        ("Pavel Rusk Twitter", ["Pavel Rusk"], None),
        ("Harbourgazette Comment", ["Harbourgazette Comment"], None),
        ("Odile Printemps", ["Odile Printemps"], None),
        ("Pavel Shareef", ["Pavel Shareef"], None),
        # A date line's label left without its date (the date in another element), and a label
        # or a weekday alone; a name ending in a capitalised "On" stays.
        ("Odile Marchetti am", ["Odile Marchetti"], None),
        ("Odile Marchetti am Samstag", ["Odile Marchetti"], None),
        ("Pavel Rusk — veröffentlicht", ["Pavel Rusk"], None),
        ("Veröffentlicht am", [], None),
        ("Posted on", [], None),
        ("Publié le", [], None),
        ("Datum", [], None),
        ("Donnerstag", [], None),
        ("Harbour Lights On", ["Harbour Lights On"], None),
        # The words of authorship before the label in each label language; "von" inside a name
        # is still a particle.
        ("Geschrieben vonOdile Marchetti", ["Odile Marchetti"], None),
        ("Erstellt von Pavel Rusk", ["Pavel Rusk"], None),
        ("Publié par Odile Marchetti", ["Odile Marchetti"], None),
        ("Reviewed by Pavel Rusk", ["Pavel Rusk"], None),
        ("Odile von Marchetti", ["Odile von Marchetti"], None),
        # A section's or kind's name before "by"; a sponsor's credit is not such a label, and a
        # comma ends the words that may stand before it.
        ("Tech Industry by Pavel Rusk", ["Pavel Rusk"], None),
        ("Posted in Ferries By Odile Marchetti", ["Odile Marchetti"], None),
        ("Sponsored by Harbour Gazette", ["Sponsored by Harbour Gazette"], None),
        ("Odile Marchetti, illustrated by Pavel Rusk", ["Odile Marchetti"], None),
        # The wire's article is no name; a separator before the label is layout.
        ("By the Associated Press", [], "Associated Press"),
        ("| By Odile Marchetti", ["Odile Marchetti"], None),
        ("• Pavel Rusk", ["Pavel Rusk"], None),
        (", by Pavel Rusk", ["Pavel Rusk"], None),
        (", HARBOUR GAZETTE", [], None),
        # A few words and a colon before a name label the work; a name before the colon stays.
        ("Text: Odile Marchetti", ["Odile Marchetti"], None),
        ("Text und Interview: Odile Marchetti", ["Odile Marchetti"], None),
        ("Words and pictures: Pavel Rusk", ["Pavel Rusk"], None),
        ("Updated: 10:30", [], None),
    ],
)
def test_clean_author(raw, names, org):
    assert clean_author(raw) == (names, org)


@pytest.mark.parametrize(
    "raw, names",
    [
        # A section's title that opens with the author word names a kind of content, not an
        # account: no credit, even as an account's.
        ("Author Interviews", []),
        ("Author Talks", []),
        ("Autor Porträts", []),
        # A desk's one word after the label stays the account's credit.
        ("Autor Redaktion", ["Redaktion"]),
        # An organisation after the writer's name is where the writer works, not a second writer;
        # a second person stays.
        ("Odile Marchetti, Harbour Gazette", ["Odile Marchetti"]),
        ("By Pavel Rusk | Radio Kestria", ["Pavel Rusk"]),
        ("Odile Marchetti, The Harbour Line", ["Odile Marchetti"]),
        ("Pavel Rusk, Kestria Zeitung", ["Pavel Rusk"]),
        ("Odile Marchetti, Pavel Rusk", ["Odile Marchetti", "Pavel Rusk"]),
        # A colon after the name ends it; the role after it is no name.
        ("Odile Marchetti: Reporter", ["Odile Marchetti"]),
        ("Pavel Rusk: Senior Political Correspondent", ["Pavel Rusk"]),
        ("Odile Marchetti:", ["Odile Marchetti"]),
        ("Pavel Rusk Buzzed Up: Ferry crossings resume at dawn", []),
        # Titles joined by "&" after the name, a former rank, and a title's part after a comma.
        ("Pavel Rusk Founder & Lead Reviewer", ["Pavel Rusk"]),
        ("Odile Marchetti Former Deputy Tech Editor", ["Odile Marchetti"]),
        ("By Pavel Rusk, Privacy and Digital Security Expert", ["Pavel Rusk"]),
        # A date line's label before a comma and the date.
        ("Von Odile Marchetti am Samstag, 3. Mai 2025", ["Odile Marchetti"]),
        ("Pavel Rusk Stand: 05. Mai 2025", ["Pavel Rusk"]),
    ],
)
def test_byline_names_without_sections_organisations_and_titles(raw, names):
    assert clean_author(raw, logins=True)[0] == names


def test_a_login_is_a_name_only_when_asked():
    assert clean_author("odile.marchetti", logins=True) == (["odile.marchetti"], None)
    assert clean_author("odile.marchetti and Pavel Rusk") == (["Pavel Rusk"], None)


@pytest.mark.parametrize(
    "raw, names",
    [
        ("Autor Lokalredaktion", ["Lokalredaktion"]),
        ("Di Marco", ["Marco"]),
        ("Autor: www.harbourgazette.co.uk", ["www.harbourgazette.co.uk"]),
    ],
)
def test_accounts_credits_are_names_only_when_asked(raw, names):
    assert clean_author(raw, logins=True) == (names, None)


@pytest.mark.parametrize(
    "body, page, orgs, expected",
    [
        (["HARLOW, Norland (AP) — Two ferries collided."], [], [], [("Associated Press", "dateline")]),
        (["HARLOW (Reuters) - Two ferries collided."], [], [], [("Reuters", "dateline")]),
        (["HARLOW, Norland (CWS) — Two ferries collided."], [], [], [("CWS", "dateline")]),
        (["Two ferries collided on Monday."], ["(AP Photo/Jane Doe)"], [], [("Associated Press", "photo_credit")]),
        (["Two ferries collided on Monday."], ["Copyright 2026 The Associated Press. All rights reserved."], [],
         [("Associated Press", "copyright")]),
        (["Two ferries collided on Monday."], ["2026-10-14 08:30", "华盛顿邮报-世界", "原网页"], [],
         [("The Washington Post", "source_line")]),
        (["Two ferries collided on Monday."], [], ["Continental Wire Service"], [("Continental Wire Service", "byline")]),
        (["Two ferries (the old ones) collided on Monday — nobody was hurt."], ["© 2026 Harbor Gazette"], [], []),
        (["This photo provided by the port shows the quay. Port Office via APA spokesman said more."], [], [],
         [("Associated Press", "photo_credit")]),
    ],
)
def test_credits(body, page, orgs, expected):
    assert [(c.name, c.evidence) for c in credits(body, page, orgs)] == expected


@pytest.fixture(scope="module")
def records():
    return {case.id: (case, case.page()) for case in article_cases()}


def test_every_wire_copy_credits_the_wire_and_no_other_story_does(records):
    from newscrawl import process_page

    for case, page in records.values():
        record = process_page(page.body, page.url, page.headers)
        names = {w["name"] for w in record.wire}
        if case.expected["story"] == "wire":
            assert names & {"MWS", "Meridian Wire Service"}, case.id
        elif case.expected["story"] != "cup-match":  # the match report credits its own desk
            assert not names & {"MWS", "Meridian Wire Service"}, case.id
        assert all(not a.lower().startswith("by ") for a in record.authors)


def test_an_agency_after_the_byline_names_is_the_records_credit():
    from newscrawl import process_page

    paragraphs = "".join(f"<p>The harbour board met on Tuesday evening to discuss item {i} of the ferry timetable, "
                         "and members argued for an hour about the new winter crossings.</p>" for i in range(8))
    html = (f"<html><head><title>Ferry timetable debated</title></head><body><article><h1>Ferry timetable debated</h1>"
            f"<p class='byline'>By TOBIAS WRENFIELD AP Sports Writer</p>{paragraphs}</article></body></html>")
    record = process_page(html.encode(), "https://harbour.example/news/ferry-timetable", {"Content-Type": "text/html"})
    assert record.authors == ["Tobias Wrenfield"]
    assert {"name": "Associated Press", "evidence": "byline"} in record.wire
