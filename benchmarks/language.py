"""Language stage: chrome evidence set figures, and detectors compared on same-script text.

    python benchmarks/language.py [--limit N] [--skip-pages] [--skip-detectors]

1. **Evidence set** (:mod:`evaluation.chrome_pages`): dev articles wrapped in zh, ja, ar,
   ru, es, fr, de chrome and the non-English stories in English chrome; prints body F1 of the
   plain and the wrapped pages (scored by ``../shared/eval/score_extraction.py``), pages with
   chrome left in the body, pages that lost an article paragraph, article language and chrome
   language found, per-block language accuracy, and the language stage's cost beside the whole
   ``process_page`` in the same run.
2. **Detectors on same-script text** (the case the script fast path cannot decide): langdetect
   as the stage used it (all 55 profiles, seeded), langdetect restricted to the candidate
   languages, py3langid and lingua restricted to the candidate languages, on the same labelled
   lines in the same run: accuracy (exact language, and the decision the stage makes: "another
   language than the article's English") and microseconds per call. Needs the ``bench`` extra
   (``pip install -e '.[bench]'``).

Labelled lines: every es/fr/de/en chrome piece of :mod:`evaluation.chrome_text` (menus,
labels, lines, headlines), the sentences of its es/fr/de stories, and English lines from the dev
set (titles and the first sentence of paragraphs): the short lines portal chrome is made of and
the English lines an English article's edges hold.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the evidence set lives in evaluation/

#: The Latin-script languages the comparison restricts detectors to.
LATIN_CANDIDATES = ("en", "es", "fr", "de", "it", "pt", "nl")


def labelled_lines(english_limit: int = 400) -> list[tuple[str, str]]:
    from evaluation.chrome_pages import dev_truth
    from evaluation.chrome_text import CHROME, STORIES

    lines: list[tuple[str, str]] = []
    for language in ("es", "fr", "de", "en"):
        chrome = CHROME[language]
        texts = [*chrome.login, *chrome.menu, chrome.breadcrumb, chrome.source_line, chrome.ticker_label,
                 *chrome.headlines, chrome.related_label, chrome.most_read_label, chrome.tags,
                 chrome.keywords, chrome.share, chrome.editor, chrome.copyright, *chrome.footer_links,
                 chrome.legal]
        lines += [(t, language) for t in texts]
        if language in STORIES:
            for paragraph in STORIES[language].paragraphs:
                lines += [(s, language) for s in re.split(r"(?<=[.!?])\s+", paragraph) if s]
    english = []
    for record in list(dev_truth().values()):
        if record.get("title"):
            english.append(record["title"])
        for paragraph in record["articleBody"].split("\n\n")[:3]:
            english.append(re.split(r"(?<=[.!?])\s+", paragraph)[0])
    lines += [(t, "en") for t in english[:english_limit] if re.search(r"[A-Za-z]{2}", t)]
    return lines


def detectors() -> dict[str, object]:
    from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory

    from newscrawl.stages.language import detectors as stage

    def langdetect_restricted():
        factory = DetectorFactory()
        # load_json_profile takes the profiles' JSON text.
        profiles = [Path(PROFILES_DIRECTORY, code).read_text(encoding="utf-8") for code in LATIN_CANDIDATES]
        factory.load_json_profile(profiles)
        factory.seed = stage.DETECTOR_SEED

        def run(text: str) -> str | None:
            detector = factory.create()
            detector.n_trial = stage.DETECTOR_TRIALS
            detector.append(text)
            try:
                return detector.get_probabilities()[0].lang
            except Exception:  # noqa: BLE001 - langdetect raises on text without features
                return None
        return run

    found: dict[str, object] = {
        "langdetect (55 profiles)": lambda text: stage.langdetect_language(text)[0],
        "langdetect (candidates)": langdetect_restricted(),
    }
    try:
        from py3langid.langid import MODEL_FILE, LanguageIdentifier

        identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
        identifier.set_languages(list(LATIN_CANDIDATES))
        found["py3langid (candidates)"] = lambda text: identifier.classify(text)[0]
    except ImportError:
        print("py3langid not installed: pip install -e '.[bench]'")
    try:
        from lingua import IsoCode639_1, LanguageDetectorBuilder

        codes = [getattr(IsoCode639_1, code.upper()) for code in LATIN_CANDIDATES]
        for name, builder in (
            ("lingua (candidates)", LanguageDetectorBuilder.from_iso_codes_639_1(*codes)),
            ("lingua low-accuracy (candidates)",
             LanguageDetectorBuilder.from_iso_codes_639_1(*codes).with_low_accuracy_mode()),
        ):
            detector = builder.with_preloaded_language_models().build()

            def run(text: str, detector=detector) -> str | None:
                found_language = detector.detect_language_of(text)
                return found_language.iso_code_639_1.name.lower() if found_language else None
            found[name] = run
    except ImportError:
        print("lingua not installed: pip install -e '.[bench]'")
    return found


def compare_detectors(repeat: int = 3) -> None:
    lines = labelled_lines()
    by_language = {lang: sum(1 for _, t in lines if t == lang) for lang in LATIN_CANDIDATES}
    print(f"\nSame-script lines: {len(lines)} "
          f"({', '.join(f'{k} {v}' for k, v in by_language.items() if v)})")
    header = (f"{'detector':34s} {'exact':>6s} {'1-3 words':>9s} {'4+ words':>8s} "
              f"{'foreign?':>8s} {'en kept':>7s} {'µs/call':>8s}")
    print(header)
    for name, run in detectors().items():
        for text, _ in lines[:5]:
            run(text)  # models loaded outside the measurement
        answers, best = [], float("inf")
        for _ in range(repeat):
            start = time.perf_counter()
            answers = [run(text) for text, _ in lines]
            best = min(best, time.perf_counter() - start)
        short = [(a, t) for a, (text, t) in zip(answers, lines) if len(text.split()) < 4]
        longer = [(a, t) for a, (text, t) in zip(answers, lines) if len(text.split()) >= 4]
        exact = sum(a == t for a, (_, t) in zip(answers, lines)) / len(lines)
        foreign = [(a, t) for a, (_, t) in zip(answers, lines) if t != "en"]
        english = [(a, t) for a, (_, t) in zip(answers, lines) if t == "en"]
        print(f"{name:34s} {exact:6.3f} {sum(a == t for a, t in short) / len(short):9.3f} "
              f"{sum(a == t for a, t in longer) / len(longer):8.3f} "
              f"{sum(a not in ('en', None) for a, _ in foreign) / len(foreign):8.3f} "
              f"{sum(a == 'en' for a, _ in english) / len(english):7.3f} "
              f"{best / len(lines) * 1e6:8.0f}")
    print("exact: right language; foreign?: non-English lines called some other language; "
          "en kept: English lines called English")


def compare_article_detectors(repeat: int = 2) -> None:
    """The article's own language: langdetect as the stage calls it (800 characters, 3 trials)
    beside py3langid over all its languages, on the dev articles and the stories."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    from newscrawl.stages.language import detectors as stage
    from evaluation.chrome_pages import dev_truth
    from evaluation.chrome_text import STORIES

    samples = [(r["articleBody"][: stage.DETECTOR_SAMPLE_CHARS], "en") for r in dev_truth().values()]
    samples += [("\n".join(s.paragraphs)[: stage.DETECTOR_SAMPLE_CHARS], lang) for lang, s in STORIES.items()]
    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    runs = {"langdetect (55 profiles, 3 trials)": lambda t: stage.langdetect_language(t)[0],
            "py3langid (97 languages)": lambda t: identifier.classify(t)[0]}
    print(f"\nArticle samples: {len(samples)} ({stage.DETECTOR_SAMPLE_CHARS} characters; "
          f"{sum(t != 'en' for _, t in samples)} not English)")
    for name, run in runs.items():
        run(samples[0][0])
        best, answers = float("inf"), []
        for _ in range(repeat):
            start = time.perf_counter()
            answers = [run(text) for text, _ in samples]
            best = min(best, time.perf_counter() - start)
        right = sum(a == t for a, (_, t) in zip(answers, samples))
        print(f"  {name:36s} right {right}/{len(samples)}   {best / len(samples) * 1e3:.2f} ms/call")


def evidence(limit: int | None) -> None:
    from newscrawl.stages.language import clear_caches
    from evaluation import chrome_pages as cp

    ids = sorted(cp.dev_truth())
    if limit:
        ids = ids[:: max(1, len(ids) // limit)][:limit]
    outcomes = []
    for case in list(cp.dev_cases(ids)) + list(cp.story_cases()):
        clear_caches()  # each page pays for its own detector calls
        outcomes.append(cp.evaluate(case))
    dev = [o for o in outcomes if o.case.article_language == "en"]
    stories = [o for o in outcomes if o.case.article_language != "en"]
    print(f"Evidence set: {len(ids)} dev pages asked, {len(dev)} wrapped (article located), "
          f"{len(stories)} story pages")
    for name, group in (("foreign chrome around English dev articles", dev),
                        ("English chrome around zh/ja/ar/ru/es/fr/de stories", stories)):
        s = cp.summarize(group)
        print(f"\n{name} ({s.pages} pages)")
        print(f"  body F1 plain {s.f1_plain:.4f}  wrapped {s.f1_wrapped:.4f}  "
              f"difference {s.f1_plain - s.f1_wrapped:+.4f}")
        print(f"  pages with chrome left in the body: {s.pages_with_chrome_left} "
              f"(in a stored body: {s.pages_with_chrome_left_stored}; the others are recorded as not "
              f"articles)   pages that lost an article paragraph: {s.pages_losing_paragraphs}")
        print(f"  pages whose extraction the chrome changed: {s.extraction_changed}; on the others: "
              f"chrome left {s.chrome_left_stage}, paragraphs lost {s.paragraphs_lost_stage}")
        print(f"  pages that lost a paragraph which the same layout in English chrome keeps "
              f"(lost to the chrome's language, not its layout): {s.paragraphs_lost_to_language}")
        print(f"  article language right: {s.article_language_right:.3f}   "
              f"chrome language reported: {s.chrome_language_found:.3f}")
        right = sum(r for r, _ in s.block_accuracy.values())
        total = sum(n for _, n in s.block_accuracy.values())
        print(f"  per-block language accuracy: {right / total:.4f} ({right}/{total}); by true language: "
              + ", ".join(f"{k} {r}/{n}" for k, (r, n) in s.block_accuracy.items()))
        print(f"  language stage median {s.language_ms_median:.2f} ms of process_page median "
              f"{s.total_ms_median:.1f} ms per wrapped page")
        for o in group:
            if o.chrome_left or o.paragraphs_lost:
                print(f"    {o.case.id} ({o.case.chrome_language}{', extraction changed' if o.extraction_changed else ''}): "
                      f"left {o.chrome_left[:3]} "
                      f"lost {[p[:50] for p in o.paragraphs_lost[:2]]}"
                      + (f"; in English chrome, same layout: lost {[p[:50] for p in o.lost_in_english_chrome[:2]]}"
                         if o.lost_in_english_chrome is not None else ""))
    langs = [o.language_ms for o in outcomes]
    print(f"\nlanguage stage over all pages: median {statistics.median(langs):.2f} ms, "
          f"mean {statistics.mean(langs):.2f} ms")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=None, help="dev pages to wrap (default: all)")
    parser.add_argument("--skip-pages", action="store_true")
    parser.add_argument("--skip-detectors", action="store_true")
    args = parser.parse_args(argv)
    if not args.skip_pages:
        evidence(args.limit)
    if not args.skip_detectors:
        compare_detectors()
        compare_article_detectors()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
