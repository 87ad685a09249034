from newscrawl import fingerprint as fp

STORY = """RIVERTON — A fire tore through the river port of Riverton early Tuesday, killing two dock workers and injuring eleven others, officials said.

The blaze began shortly after 2 a.m. in a warehouse that stored fertilizer and machine parts, according to fire chief Marta Lind, whose crews fought it for more than six hours.

Residents living within two miles of the harbor were told to keep their windows shut until the smoke cleared on Wednesday morning.

Port director Hal Ostrander said ships would be diverted to the northern terminal for at least a week while inspectors examined the damaged quay."""

SPUN = """RIVERTON — A blaze ripped through the river harbor of Riverton early Tuesday, killing two dock laborers and injuring eleven others, authorities stated.

The fire started shortly after 2 a.m. in a storehouse that kept fertilizer and machine components, according to fire chief Marta Lind, whose teams fought it for more than six hours.

Inhabitants living within two miles of the harbor were instructed to keep their windows closed until the smoke cleared on Wednesday morning.

Port director Hal Ostrander stated vessels would be diverted to the northern terminal for at least a week while inspectors examined the damaged quay."""

INDEPENDENT = """Two people died when flames swept a Riverton port warehouse before dawn on Tuesday, and eleven more were hurt, according to city officials who spoke at a briefing.

Fire chief Marta Lind told reporters that the building held fertilizer. Her firefighters needed six hours to bring it under control, she said.

Hal Ostrander, who runs the port, expects a week of diversions to the northern terminal."""


def test_exact_and_rewrapped_copies_share_body_hash():
    rewrapped = STORY.replace("\n\n", "\n").replace("—", "-").upper()
    assert fp.body_hash(STORY) == fp.body_hash(rewrapped)
    assert fp.body_hash(STORY) != fp.body_hash(SPUN)


def test_similarity_separates_copies_from_independent_reports():
    trimmed = STORY.split("\n\n")[0] + "\n\n" + STORY.split("\n\n")[1]
    assert fp.story_similarity(STORY, STORY) == 1.0
    assert fp.story_similarity(STORY, trimmed) == 1.0
    assert fp.same_story(STORY, SPUN)
    assert not fp.same_story(STORY, INDEPENDENT)
    assert fp.story_similarity(STORY, INDEPENDENT) < fp.SAME_STORY_THRESHOLD / 2


def test_fingerprint_is_deterministic_and_bands_find_copies():
    a, b = fp.fingerprint(STORY), fp.fingerprint(STORY)
    assert a == b and len(a.bands) == fp.NUM_BANDS
    assert all(-(2**63) <= h < 2**63 for h in a.bands)
    spun = fp.fingerprint(SPUN)
    assert any(x == y for x, y in zip(a.bands, spun.bands)), "spun copy must be an LSH candidate"


def test_lsh_parameters_cover_the_threshold():
    bands, rows = fp.lsh_parameters()
    assert bands * rows <= fp.NUM_PERM
    # Probability that a pair at the threshold becomes a candidate is high.
    p = 1 - (1 - fp.LSH_THRESHOLD**rows) ** bands
    assert p > 0.5


def test_cjk_tokens_are_characters():
    assert fp.tokens("河港大火 Port fire") == ["河", "港", "大", "火", "port", "fire"]
