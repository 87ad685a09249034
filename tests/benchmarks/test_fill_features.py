"""The scale benchmark's fill assembles what the store computes for a new story from per-sentence
parts (benchmarks/fill_features.py); these must be the store's own functions' values."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

import fill_features  # noqa: E402
from lsh_scale import _title, article  # noqa: E402

# Written for this test: sentence starts after a sentence end and after none, names, acronyms,
# figures, years, a Title Case run, a quote, a sentence without a closing stop, one that looks
# like a date line, short ones (fewer than three tokens).
POOL = [
    "The harbour board met on Tuesday to discuss the new ferry timetable for 2027.",
    "Councillor Maria Okafor said the plan would cost 4,250,000 dollars over five years",
    "Residents of North Quay Street asked why the harbour was closed for 12 days.",
    "NASA and the ESA signed an agreement covering 37 launches.",
    "\"We will not accept this,\" said Tom Reilly of the Dockworkers Union.",
    "Annual Report Shows Record Growth For Regional Airports Across The Country",
    "Prices rose by 3.5% in March, the statistics office said on Friday.",
    "Published on March 3, 2026",
    "Yes.",
    "Dr. Anand Rao, who leads the study at Lakeview Hospital, expects results in 18 months.",
    "It's the third time this year that the bridge at Millford has been shut (again).",
    "Later, Okafor told reporters that the Harbour Board would vote in June.",
    "the minutes of the meeting were published online by the clerk.",
    "Some 1,200 people signed the petition within 48 hours of its launch?",
    "Officials at the Port Authority declined to comment on the figures released by Reilly",
    "Traffic on the A38 was diverted through Westbury and Ashcombe for most of the day.",
    "One week later, the company announced 300 job cuts at its plant in Greyford.",
    "According to the BBC, the decision was taken by the board's chair, Helen Marsh.",
    "Many in the town remember the floods of 1998, when the river reached 6.2 metres.",
    "Investors reacted calmly and the shares closed at 214 pence.",
    "Rain is expected across the valley until Sunday evening.",
    "Police in Carrow said two men were arrested after the match",
    "The museum reopens in April with an exhibition of 140 prints.",
    "IT staff at the council worked through the night to restore the system.",
    "Why did the budget for the new library grow from 9 to 15 million?",
    "Ms Patel, a teacher at Elmfield School, won the award for 2025.",
    "Nobody was hurt when the roof of the old cinema collapsed on Monday.",
    "A spokesperson for Greyford Motors said talks with the union would continue.",
    "Local Elections Bring Surprise Wins For Independent Candidates In Three Wards",
    "Fishermen say catches of cod have fallen by half since 2019.",
    "The court in Bramley adjourned the case until 14 November.",
    "Farmers near Ashcombe have been told to expect water restrictions.",
    "Organisers hope to raise 50,000 pounds for the children's ward!",
    "In a statement, the Environment Agency said levels were falling.",
    "Smith scored twice before half-time and United never recovered.",
    "The mayor, Rosa Delgado, opened the new cycle lane along the river.",
    "Tickets for the concert at Westbury Hall sold out in 20 minutes.",
    "More than 600 homes lost power during the storm on Thursday night.",
    "The survey of 2,000 adults found that one in four had changed jobs.",
    "According to her lawyer, Marsh will appeal the ruling.",
    "Engineers from Hollins & Dyer inspected the bridge at dawn.",
    "Just now",
]


@pytest.mark.parametrize("seeds", [range(0, 150)])
def test_assembled_features_are_the_store_functions(seeds):
    parts = fill_features.Parts(POOL)
    assembled = 0
    for seed in seeds:
        body = article(POOL, seed)
        title = _title(body)
        before = parts.fallbacks
        got = fill_features.features(parts, fill_features.article_ids(len(POOL), seed), body, title)
        assembled += parts.fallbacks == before
        assert got == fill_features.real_features(body, title), seed
    # Most stories are assembled (the others hold a sentence whose parts might not compose).
    assert assembled > 0


def test_article_ids_are_the_article_sentences():
    for seed in range(20):
        ids = fill_features.article_ids(len(POOL), seed)
        assert article(POOL, seed).replace("\n\n", " ") == " ".join(POOL[i] for i in ids)
