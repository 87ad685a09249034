"""Each phase of analyse_languages on its own (newscrawl/stages/language/analyse.py)."""

from collections import Counter

from newscrawl.model import Block
from newscrawl.stages.language.analyse import (
    chrome_languages,
    cut_foreign_runs,
    cut_glued_tails,
    find_core,
    judge_block,
    judge_blocks,
    other_script_languages,
    prose_blocks,
    read_article,
    same_script_language,
    spread_along_runs,
)
from newscrawl.stages.language.outside import OUTSIDE_SAME_SCRIPT_MAX_CALLS, outside_candidates, outside_languages

STORY = [
    "MILLBROOK — The county library reopened its reading room on Monday after a summer of roof repairs, the mayor said.",
    "Volunteers carried more than four thousand books back to the shelves over the weekend before the doors opened.",
    "The library plans longer evening hours in winter so that students can study there after school.",
]
ZH_TAGS = "标签：图书馆 社区 新闻"
ZH_CRUMB = "首页 > 本地新闻 > 正文"


def blocks(*texts: str) -> list[Block]:
    return [Block(t) for t in texts]


def test_read_article_finds_scripts_language_and_vocabulary():
    article = read_article(blocks(ZH_CRUMB, *STORY, ZH_TAGS))
    assert article.script == "Latin" and article.language == "en"
    assert article.scripts == ["Han", "Latin", "Latin", "Latin", "Han"]
    assert article.vocabulary["library"] == 2 and article.vocabulary["标签"] == 0
    # Kanji-only lines of a Japanese article are Japanese, not Chinese.
    japanese = read_article(blocks("図書館は月曜日に読書室を再開したと市長が発表した。", "市長発表"))
    assert japanese.script == "Kana" and japanese.scripts == ["Kana", "Kana"] and japanese.language == "ja"


def test_cut_foreign_runs_cuts_chrome_glued_to_a_paragraph_only():
    glued = STORY[2] + " 标签：图书馆 社区 新闻 关键词：本地消息 最新报道"
    caption = "读书室重新开放。The reading room reopened."
    article = read_article(blocks(STORY[0], STORY[1], glued, caption))
    runs = cut_foreign_runs(article)
    assert runs == ["标签：图书馆 社区 新闻 关键词：本地消息 最新报道"]
    assert article.texts[2] == STORY[2] and article.blocks[2].text == STORY[2]
    assert "Han" not in article.counts[2]
    assert article.texts[3] == caption  # shorter than prose: a caption with its translation stays


def test_cut_glued_tails_cuts_a_same_script_tail_in_another_language():
    tail = "Palabras clave: biblioteca, cultura, vecinos del barrio"
    article = read_article(blocks(STORY[0], STORY[1], f"{STORY[2]} {tail}"))
    assert cut_glued_tails(article) == [(tail, "es")]
    assert article.texts[2] == STORY[2]
    # Without a language for the article (nothing to compare with) nothing is judged.
    article = read_article(blocks(f"{STORY[2]} {tail}"))
    article.language = None
    assert cut_glued_tails(article) == [] and article.texts[0].endswith(tail)


def test_other_script_languages_one_per_script():
    article = read_article(blocks(*STORY, ZH_TAGS, "ログイン 会員登録", "責任編集"))
    assert other_script_languages(article) == {"Kana": "ja", "Han": "ja"}
    article = read_article(blocks(*STORY, ZH_TAGS, "Главные новости дня в нашем городе и области"))
    assert other_script_languages(article) == {"Han": "zh", "Cyrillic": "ru"}


def test_find_core_runs_from_first_to_last_prose_paragraph_in_the_article_language():
    article = read_article(blocks(ZH_CRUMB, *STORY, ZH_TAGS))
    assert find_core(article, prose_blocks(article)) == (1, 3)
    spanish = ("La biblioteca del condado abrió de nuevo su sala de lectura el lunes, "
               "según anunció el alcalde en una rueda de prensa.")
    article = read_article(blocks(*STORY, spanish))
    prose = prose_blocks(article)
    assert prose == [True, True, True, True]
    assert same_script_language(spanish, article) == "es"
    assert find_core(article, prose) == (0, 2)
    article = read_article(blocks("Home", "Menu"))
    assert find_core(article, prose_blocks(article)) == (2, -1)  # no prose: no core


def test_judge_block_inside_and_outside_the_core():
    quote = "她说：“这间阅览室是我们社区最重要的地方。”"
    article = read_article(blocks(ZH_CRUMB, STORY[0], quote, STORY[1], ZH_TAGS, STORY[2]))
    languages = other_script_languages(article)
    assert judge_block(article, 0, False, languages) == ("zh", True)  # outside: foreign is chrome
    assert judge_block(article, 2, True, languages) == ("zh", False)  # inside: a quote stays
    assert judge_block(article, 4, True, languages) == ("zh", True)  # inside, chrome-shaped: goes
    assert judge_block(article, 1, True, languages) == ("en", False)
    assert judge_blocks(article, (1, 5), languages) == (
        ["zh", "en", "zh", "en", "zh", "en"], [True, False, False, False, True, False])


def test_spread_along_runs_takes_a_chrome_shaped_neighbour_of_removed_chrome():
    article = read_article(blocks(*STORY, "Noticias relacionadas", "Etiquetas: política, economía, sociedad"))
    prose = prose_blocks(article)
    languages, foreign = judge_blocks(article, find_core(article, prose), other_script_languages(article))
    assert languages[3:] == ["en", "es"] and foreign[3:] == [False, True]
    spread_along_runs(article, prose, languages, foreign)
    assert languages[3:] == ["es", "es"] and foreign == [False, False, False, True, True]


def test_chrome_languages_of_removed_blocks_runs_tails_and_outside_text():
    article = read_article(blocks(*STORY, ZH_TAGS))
    found = chrome_languages(article, ["en", "en", "en", "zh"], [False, False, False, True],
                             runs=["Главные новости дня в нашем городе"], tails=[("Mots-clés : culture", "fr")],
                             script_language={}, outside_blocks=["الأخبار العاجلة اليوم في المدينة"])
    assert found == ["ar", "fr", "ru", "zh"]
    assert chrome_languages(article, ["en"] * 4, [False] * 4, [], [], {}, []) == []


def test_outside_languages_ignore_switchers_and_need_two_same_script_votes():
    vocabulary = Counter({"library": 3, "reading": 2, "room": 2})
    assert outside_languages(["Español", "日本語", "English"], "Latin", "en", vocabulary) == Counter()
    one = ["Suscríbete a nuestro boletín semanal de noticias locales"]
    assert outside_languages(one, "Latin", "en", vocabulary) == Counter()
    two = one + ["Lee las noticias más populares de esta semana"]
    assert outside_languages(two, "Latin", "en", vocabulary) == Counter({"es": 2})


def test_outside_candidates_from_both_ends_without_article_words():
    lines = [f"Menu line number {i} with words" for i in range(40)]
    picked = outside_candidates(lines + ["the library reading room reopened today"],
                                Counter({"library": 3, "reading": 3, "room": 3, "reopened": 3, "today": 3, "the": 9}))
    half = OUTSIDE_SAME_SCRIPT_MAX_CALLS // 2
    assert picked == lines[:half] + lines[-half:]
    assert outside_candidates(["Home", "Sign in"], Counter()) == []  # too short to judge
