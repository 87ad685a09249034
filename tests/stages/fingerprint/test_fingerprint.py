import pytest

from newscrawl.stages.fingerprint import derivations, matching, signature, text

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
    assert text.body_hash(STORY) == text.body_hash(rewrapped)
    assert text.body_hash(STORY) != text.body_hash(SPUN)


def test_similarity_separates_copies_from_independent_reports():
    trimmed = STORY.split("\n\n")[0] + "\n\n" + STORY.split("\n\n")[1]
    assert matching.story_similarity(STORY, STORY) == 1.0
    assert matching.story_similarity(STORY, trimmed) == 1.0
    assert matching.same_story(STORY, SPUN)
    assert not matching.same_story(STORY, INDEPENDENT)
    assert matching.story_similarity(STORY, INDEPENDENT) < matching.SAME_STORY_THRESHOLD / 2


def test_fingerprint_is_deterministic_and_bands_find_copies():
    a, b = signature.fingerprint(STORY), signature.fingerprint(STORY)
    assert a == b and len(a.bands) == signature.BAND_COUNT == 2 * signature.NUM_BANDS
    assert all(-(2**63) <= h < 2**63 for h in a.bands)
    spun = signature.fingerprint(SPUN)
    assert any(x == y for x, y in zip(a.bands, spun.bands)), "spun copy must be an LSH candidate"


def test_signature_blocks_are_the_fewest_that_reach_the_target():
    def bands(blocks):
        return blocks * signature.PERM_BLOCK // signature.ROWS_PER_BAND

    k = signature.signature_blocks()
    assert signature.candidate_probability(signature.CANDIDATE_FLOOR, bands(k)) >= signature.CANDIDATE_TARGET
    if k > 1:
        assert signature.candidate_probability(signature.CANDIDATE_FLOOR, bands(k - 1)) < signature.CANDIDATE_TARGET
    assert signature.NUM_PERM == k * signature.PERM_BLOCK and signature.BAND_COUNT == 2 * bands(k)
    # The S-curve: 0 and 1 at the ends, rising with the similarity and with the bands.
    assert signature.candidate_probability((0.0, 0.0), 64) == 0.0
    assert signature.candidate_probability((1.0, 0.0), 64) == 1.0
    curve = [signature.candidate_probability((j / 20, j / 20), 64) for j in range(21)]
    assert curve == sorted(curve)
    assert signature.candidate_probability((0.15,), 128) > signature.candidate_probability((0.15,), 64)
    assert signature.signature_blocks(floor=(0.5, 0.5), target=0.9) == 1
    with pytest.raises(ValueError):
        signature.signature_blocks(floor=(0.01,), target=0.999, max_blocks=2)


def test_band_hashes_of_stored_signatures_never_change():
    # Stored story_bands rows are compared with the bands of texts fingerprinted later, by
    # other releases: the first block's hashes must stay what they were when one block was the
    # whole signature (values computed by that release), and later blocks only add bands.
    a = signature.fingerprint(STORY)
    assert a.body_hash == "4165e6a208cd52e6fa19f09597264f298f49f4a30f42014878a5090e86a77279"
    assert (a.bands[0], a.bands[63]) == (5576637434271390059, 4647872320274998454)
    assert (a.bands[64], a.bands[127]) == (2205772367563748404, 657943576206536403)
    assert len(set(a.bands)) == len(a.bands) == signature.BAND_COUNT


def test_cjk_tokens_are_characters():
    assert text.tokens("河港大火 Port fire") == ["河", "港", "大", "火", "port", "fire"]


# --- anchors, the same-story decision, volatile blocks, derivation ---------------------------

def test_anchors_are_names_and_numbers_in_order():
    text = ('Harbour officials in Riverton said 2 workers died. Fire chief Marta Lind said the '
            'blaze burned for 6 hours.\nPort director Hal Ostrander said NATO ships and 1,200 '
            'residents would be moved.')
    # "Harbour", "Fire" and "Port" open a sentence or a line: grammar, not names. NATO is an
    # acronym wherever it stands; "1,200" is normalized.
    assert matching.anchors(text) == ["riverton", "2", "marta", "lind", "6", "hal", "ostrander",
                                      "nato", "1200"]
    assert matching.anchor_shingles("Lind met Ostrander in Riverton.") == {"ostrander riverton"}


def test_heavily_spun_copy_is_the_same_story_through_anchors():
    from evaluation.spinner import spin

    spun = spin(STORY, 1.0, seed=7)
    m = matching.match_story(STORY, spun)
    # Containment alone no longer decides; the names and numbers, in order, do.
    assert matching.CONTAINMENT_FLOOR <= m.containment < matching.CONTAINMENT_SURE
    assert m.anchor_containment is not None and m.anchor_containment >= matching.ANCHOR_THRESHOLD
    assert m.same_story
    independent = matching.match_story(STORY, INDEPENDENT)
    assert not independent.same_story and independent.containment < matching.CONTAINMENT_FLOOR


def test_shared_boilerplate_without_shared_anchors_is_not_the_same_story():
    # Containment between the levels, anchors in another order: two texts sharing a template.
    assert not matching.decide(0.6, 20, 0.2).same_story
    assert matching.decide(0.6, 20, 0.5).same_story
    assert matching.decide(0.75, 20, 0.0).same_story  # sure by containment alone
    assert not matching.decide(0.15, 20, 1.0).same_story  # below the floor: never
    # Too few anchors to testify: the containment threshold decides alone.
    assert matching.decide(0.31, 2, 0.0).same_story and matching.decide(0.31, 2, 0.0).anchor_containment is None
    assert not matching.decide(0.29, 2, 1.0).same_story


def test_volatile_blocks_do_not_change_the_hash():
    base = STORY
    variants = [
        "Updated Oct 14, 2026 at 3:02 pm EDT\n\n" + STORY,
        STORY + "\n\n1.2K shares",
        STORY + "\n\n37 comments",
        "3 hours ago\n" + STORY + "\n4 min read",
        "Published: 14 October 2026 | 09:15\n\n" + STORY,
    ]
    for variant in variants:
        assert text.body_hash(variant) == text.body_hash(base), variant[:40]
        assert signature.fingerprint(variant) == signature.fingerprint(base)
    # A sentence that mentions a count is text, and a real change is a change.
    assert text.body_hash(STORY + "\n\nThe 37 comments were sent to the council.") != text.body_hash(base)
    assert text.body_hash(STORY.replace("eleven", "twelve")) != text.body_hash(base)


def test_derivation_names_the_kind_of_copy():
    from evaluation.spinner import spin

    paragraphs = STORY.split("\n\n")
    assert derivations.derivation(STORY, STORY.upper()) == derivations.DERIVATION_EXACT
    assert derivations.derivation(STORY, paragraphs[0]) == derivations.DERIVATION_TRIMMED
    assert derivations.derivation(STORY, SPUN) == derivations.DERIVATION_REWORDED
    assert derivations.derivation(STORY, spin(STORY, 0.6, seed=3)) == derivations.DERIVATION_REWORDED
    edited = "\n\n".join(paragraphs[:2] + paragraphs[3:]) + "\n\nThe port reopened on Friday."
    assert derivations.derivation(STORY, edited) == derivations.DERIVATION_EDITED
    longer = STORY + "\n\nInvestigators are expected to publish a first report next month."
    assert derivations.derivation(STORY, longer) == derivations.DERIVATION_EDITED


def test_derivation_of_the_same_string_is_exact_without_tokenising(monkeypatch):
    def untokenised(body):
        raise AssertionError("tokenised")

    monkeypatch.setattr(derivations, "stable_tokens", untokenised)
    assert derivations.derivation(STORY, STORY) == derivations.DERIVATION_EXACT
    assert derivations.derivation("", "") == derivations.DERIVATION_EXACT


def test_derivation_leaves_the_canonical_texts_tokens_cached():
    # The store measures a version's containment in the canonical text right after its
    # derivation: the canonical's tokens are the ones kept.
    edited = STORY + "\n\nThe port reopened on Friday."
    assert derivations.derivation(STORY, edited) == derivations.DERIVATION_EDITED
    hits = text.stable_tokens.cache_info().hits
    assert text.stable_tokens(STORY) == tuple(text.tokens(text.stable_text(STORY)))
    assert text.stable_tokens.cache_info().hits == hits + 1


def test_package_re_exports_what_the_store_and_the_stages_import():
    import newscrawl.stages.fingerprint as package

    names = {"BAND_COUNT", "DERIVATIONS", "DERIVATION_EXACT", "DERIVATION_ORIGINAL", "SAME_STORY_THRESHOLD",
             "SIGNATURE_BLOCKS", "StoryMatch", "TextFeatures", "block_band_range", "containment", "derivation",
             "fingerprint", "match_features", "match_story", "same_story", "story_similarity"}
    assert names <= set(package.__all__)
    assert all(hasattr(package, name) for name in names)
    assert callable(package.derivation)  # the function, not the module of the same concern


def _sentences(n: int, seed: int) -> str:
    import random

    rnd = random.Random(seed)
    words = [f"w{rnd.randrange(10**6)}" for _ in range(3000)]
    return " ".join(" ".join(rnd.choice(words) for _ in range(12)) + "." for _ in range(n))


def test_batched_hashing_gives_the_signature_of_one_batch():
    from datasketch import MinHash

    body = _sentences(1000, seed=3)  # ~12,000 shingles: several batches
    shingle_set = text.shingles(body)
    assert len(shingle_set) > 2 * signature.HASH_BATCH
    whole = MinHash(num_perm=signature.NUM_PERM, seed=signature.MINHASH_SEED,
                    scheme=signature.MINHASH_SCHEME, permutations=signature.block_permutations())
    whole.update_batch([s.encode("utf-8") for s in shingle_set])
    assert (signature.minhash(body).hashvalues == whole.hashvalues).all()


def test_a_text_past_the_fingerprint_cap_keeps_its_whole_body_hash(monkeypatch):
    monkeypatch.setattr(signature, "MAX_FINGERPRINT_TOKENS", 500)
    body = _sentences(100, seed=4)  # 1,200 words
    changed_past_cut = body + " one more closing sentence."
    fp, left_out = signature.fingerprint_and_cut(body)
    assert left_out == len(text.tokens(body)) - 500
    fp2, _ = signature.fingerprint_and_cut(changed_past_cut)
    assert fp.bands == fp2.bands  # the lookup saw the same first words
    assert fp.body_hash != fp2.body_hash  # a change past the cut is still a new version
    assert signature.fingerprint_and_cut(STORY)[1] == 0


def test_fingerprint_bands_are_those_of_datasketch_minhashes():
    # fingerprint() hashes each shingle once for both signatures and computes the minimums with
    # numpy; its bands must be those of datasketch's own MinHash of the whole text and the lead.
    from datasketch import MinHash

    def library_minhash(shingle_set):
        m = MinHash(num_perm=signature.NUM_PERM, seed=signature.MINHASH_SEED,
                    scheme=signature.MINHASH_SCHEME, permutations=signature.block_permutations())
        m.update_batch([s.encode("utf-8") for s in shingle_set])
        return m

    for body in ("", "one", "two words", _sentences(3, seed=5), _sentences(40, seed=6),
                 "東京で会議が開かれた。" * 30):
        toks = text.tokens(text.stable_text(body))
        expected = signature.signature_bands(
            library_minhash(text.shingles_of(toks[: signature.MAX_FINGERPRINT_TOKENS])),
            library_minhash(text.shingles_of(toks[: signature.LEAD_TOKENS])))
        assert signature.fingerprint(body).bands == expected


def test_stored_features_give_the_decisions_of_the_text():
    # What the store keeps of a story (bytes) reads back as the features of its text, and the
    # hashed features decide as the strings do: containment of 3-grams, anchors in order.
    trimmed = STORY.split("\n\n")[0]
    for a, b in ((STORY, SPUN), (STORY, INDEPENDENT), (STORY, trimmed), (SPUN, "two words")):
        stored = matching.TextFeatures.from_stored(*matching.stored_features(b), matching.stored_word_set(b))
        assert stored == matching.TextFeatures.of(b)
        m = matching.match_features(matching.TextFeatures.of(a), stored)
        strings = text.shingles(a), text.shingles(b)
        assert m.containment == pytest.approx(matching.containment(*strings))
        assert m.same_story == (b in (SPUN, trimmed))
    assert len(matching.stored_features(STORY)[0]) == 4 * len(text.tokens(STORY))
    # A short text's one shingle is not a longer text's 3-gram of the same words.
    assert not matching.shingle_hashes(matching.token_hashes(["port", "of"])) \
        & matching.shingle_hashes(matching.token_hashes(["port", "of", "call"]))


def test_stored_containment_is_the_containment_of_the_sets():
    # The array form the lookup screens its candidates with gives the figure of the sets, for
    # texts of every length (empty, one short shingle, repeated 3-grams).
    texts = [STORY, SPUN, INDEPENDENT, STORY.split("\n\n")[0], "two words", "", "one",
             "the cat and the cat and the cat and the dog"]
    for a in texts:
        mine = matching.shingle_array(matching.token_hashes(text.tokens(text.stable_text(a))))
        assert mine.tolist() == sorted(matching.TextFeatures.of(a).shingles)
        for b in texts:
            expected = matching.containment(matching.TextFeatures.of(a).shingles,
                                            matching.TextFeatures.of(b).shingles)
            assert matching.stored_containment(mine, matching.stored_features(b)[0]) == expected
    # Below the floor no rule finds one story nor shared wording, whatever the anchors.
    low = matching.NO_MATCH_BELOW - 1e-9
    for a_small, anchor_c, named in ((0, 0.0, True), (20, 1.0, True), (20, 1.0, False)):
        m = matching.decide(low, a_small, anchor_c, None, named)
        assert not m.same_story and not matching.shares_reporting(m)


def test_permutations_are_those_datasketch_draws_for_the_seeds():
    # Stored band hashes depend on these values: drawn here, they must be datasketch's own.
    from datasketch import MinHash

    drawn = signature.block_permutations(3)
    for k in range(3):
        library = MinHash(num_perm=signature.PERM_BLOCK, seed=signature.MINHASH_SEED + k,
                          scheme=signature.MINHASH_SCHEME).permutations
        assert (drawn[:, k * signature.PERM_BLOCK : (k + 1) * signature.PERM_BLOCK] == library).all()


def test_word_bands_are_those_of_a_datasketch_minhash_of_the_word_set():
    from datasketch import MinHash

    from newscrawl.stages.fingerprint import words

    for body in (STORY, SPUN, "港口工程 2026 harbour", _sentences(30, seed=8)):
        library = MinHash(num_perm=words.WORD_PERM, seed=words.WORD_SEED, scheme=signature.MINHASH_SCHEME)
        library.update_batch([w.encode("utf-8") for w in sorted(words.signature_words(body))])
        expected = tuple(signature.band_hashes(library.hashvalues, first_band=0, rows=words.WORD_ROWS))
        assert words.word_bands(body) == expected


def test_the_stages_import_neither_datasketch_nor_scipy():
    # Over half a second of CPU in the crawler and in the stage workers' fork server, for
    # nothing the stages use (a MinHash object is built only by signature.minhash).
    import subprocess
    import sys

    code = ("import sys, newscrawl.stages.process, newscrawl.store.precompute; "
            "print(sorted(m for m in ('datasketch', 'scipy') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_the_fingerprint_and_the_stored_values_of_one_body_read_its_tokens_once(monkeypatch):
    from newscrawl.stages.fingerprint import words

    calls = []
    real = text.tokens
    monkeypatch.setattr(text, "tokens", lambda t: calls.append(t) or real(t))
    body = _sentences(20, seed=9)
    fp = signature.fingerprint(body)
    hashes = matching.text_hashes(body)[0]
    bands, word_set = words.word_bands(body), words.word_set_hashes(body)
    assert len(calls) == 1
    text.stable_tokens.cache_clear()
    words._signature_words.cache_clear()
    assert signature.fingerprint(body) == fp and (matching.text_hashes(body)[0] == hashes).all()
    assert words.word_bands(body) == bands and (words.word_set_hashes(body) == word_set).all()
    assert (matching.token_hashes(real(text.stable_text(body))) == hashes).all()


def test_the_fingerprint_body_hash_is_the_hash_of_the_stable_tokens(monkeypatch):
    # The fingerprint joins and encodes the tokens once for the hash and the shingles: its hash
    # must stay text.body_hash's, past the cap too.
    for body in ("", "Don’t panic: it's fine.", "東京で会議が開かれた。 Tokyo 会議", STORY,
                 "Updated 3 hours ago\n\n" + SPUN):
        assert signature.fingerprint(body).body_hash == text.body_hash(body)
    monkeypatch.setattr(signature, "MAX_FINGERPRINT_TOKENS", 7)
    body = _sentences(3, seed=8)
    fp, left_out = signature.fingerprint_and_cut(body)
    assert fp.body_hash == text.body_hash(body) and left_out == len(text.tokens(body)) - 7


def test_shingle_hashes_are_those_of_the_utf8_bytes_however_given():
    shingle_list = ["port of call", "café ouvert tard", "東 京 で"]
    as_bytes = signature.shingle_hashes({s.encode("utf-8") for s in shingle_list})
    for given in (set(shingle_list), shingle_list, iter(shingle_list),
                  [shingle_list[0], shingle_list[1].encode("utf-8"), shingle_list[2]]):
        assert sorted(signature.shingle_hashes(given).tolist()) == sorted(as_bytes.tolist())
    assert len(signature.shingle_hashes(set())) == 0


def test_signature_values_are_the_minimum_of_each_permutation_over_every_batch(monkeypatch):
    monkeypatch.setattr(signature, "HASH_BATCH", 7)  # several batches, the last one short
    hv = signature.shingle_hashes({f"word{i} next{i} last{i}".encode() for i in range(23)})
    a, b = signature.block_permutations()
    mask = (1 << 64) - 1
    expected = [min((int(x) * int(h) + int(y)) & mask for h in hv) for x, y in zip(a, b)]
    assert signature.signature_values(hv).tolist() == expected
    start = signature.signature_values(hv[:5])
    assert signature.signature_values(hv[5:], start).tolist() == expected
    assert start.tolist() != expected  # the extension did lower some minimum
