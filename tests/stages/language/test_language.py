from newscrawl.model import Block
from newscrawl.stages.language import analyse_languages, classify, detect, dominant_script

EN = [
    "RIVERTON — Fire crews worked through the night to contain a blaze at the river port, officials said on Tuesday.",
    "The fire started in a warehouse near the main quay and spread to two barges moored alongside it.",
    "Residents living within two miles of the harbor were told to keep their windows shut until morning.",
]


def test_detect_by_script_and_detector():
    assert detect("新闻 首页 标签")[0] == "zh"
    assert detect("ニュース 速報 ログイン")[0] == "ja"
    assert detect(EN[0])[0] == "en"
    assert detect("Noticias de última hora sobre el incendio del puerto fluvial de la ciudad")[0] == "es"
    assert detect("42 17") == (None, None)
    assert detect("Home") == (None, None)  # too few words to judge


def test_dominant_script():
    assert dominant_script("Hello 你好你好") == "Han"
    assert dominant_script("2026-10-14") is None


def test_foreign_chrome_at_edges_removed_inner_quote_kept():
    blocks = [Block("2026-10-14 08:30 华府纪事报-国际 原网页")] + [Block(t) for t in EN[:2]] + [
        Block("她说：“我们非常害怕，整晚都没有睡觉。”"), Block(EN[2]), Block("标签： 火灾 港口"),
        Block("关键词： 河港 爆炸"),
    ]
    result = analyse_languages(blocks, ["用户名/邮箱", "登录密码", "您的位置：首页 - 最新资讯"])
    assert result.language == "en"
    texts = [b.text for b in result.blocks]
    assert texts == EN[:2] + ["她说：“我们非常害怕，整晚都没有睡觉。”", EN[2]]
    assert result.chrome_languages == ["zh"]
    assert result.repairs[0].kind == "foreign_chrome" and result.repairs[0].count == 3


def test_english_chrome_around_chinese_article():
    zh = ["河港周二凌晨发生大火，消防人员连夜扑救，官员表示火势已经得到控制。",
          "火灾发生在主码头附近的一座仓库，随后蔓延到停靠在旁边的两艘驳船。",
          "当局要求住在港口两英里范围内的居民关闭门窗，直到第二天早上。"]
    blocks = [Block("Home News World Sign in to read the latest stories")] + [Block(t) for t in zh] + [
        Block("Copyright 2026 Example Media Group. All rights reserved worldwide.")]
    result = analyse_languages(blocks)
    assert result.language == "zh"
    assert [b.text for b in result.blocks] == zh


def test_same_script_article_untouched():
    result = analyse_languages([Block(t) for t in EN])
    assert [b.text for b in result.blocks] == EN
    assert result.chrome_languages == [] and result.repairs == []


def test_short_english_headline_at_the_edge_is_not_foreign():
    # langdetect alone calls short English lines other languages with high confidence.
    blocks = [Block("Harbor fire forces river port closure, officials say")] + [Block(t) for t in EN]
    result = analyse_languages(blocks)
    assert [b.text for b in result.blocks] == [b.text for b in blocks]
    assert result.repairs == []


def test_same_script_foreign_chrome_at_edges_removed():
    blocks = [Block("Lo más leído hoy en nuestra portada de noticias")] + [Block(t) for t in EN] + [
        Block("Suscríbete a nuestro boletín de noticias para recibir las novedades del día")]
    result = analyse_languages(blocks)
    assert [b.text for b in result.blocks] == EN
    assert "es" in result.chrome_languages


# --- legitimately multilingual article text stays, both ways --------------------------------------


def test_arabic_quote_and_french_phrase_inside_an_english_story_stay():
    arabic_quote = "وقال أحد الصيادين: «لم نر حريقا كهذا في الميناء من قبل»"
    french_quote = "« Nous avons tout perdu en une nuit », a déclaré un pêcheur venu de Marseille."
    blocks = [Block(EN[0]), Block(arabic_quote), Block(EN[1]), Block(french_quote), Block(EN[2])]
    result = analyse_languages(blocks)
    assert [b.text for b in result.blocks] == [b.text for b in blocks]
    assert result.repairs == [] and result.chrome_languages == []
    assert result.input_languages[1] == "ar"


def test_chinese_name_and_bilingual_caption_at_the_edge_stay():
    caption = "图为周二夜间河港大火现场。Fire crews at the river port fire on Tuesday night."
    named = ("Harbor director Zhang Wei (张伟) said the fire crews worked through the night "
             "and that the main quay would stay closed until the barges were towed away.")
    blocks = [Block(caption), Block(named)] + [Block(t) for t in EN] + [Block("标签： 火灾 港口")]
    result = analyse_languages(blocks, ["首页", "登录后才能发表评论，请先登录您的账号"])
    assert [b.text for b in result.blocks] == [caption, named] + EN
    assert result.chrome_languages == ["zh"]


def test_english_chrome_around_chinese_story_with_english_quote_name_and_caption():
    zh = ["河港周二凌晨发生大火，消防人员连夜扑救，官员表示火势已经得到控制。",
          "港口负责人约翰·史密斯（John Smith）说，火灾发生在主码头附近的一座仓库，随后蔓延到两艘驳船。",
          "“We have never seen a fire spread this fast on the water,” said one of the barge captains.",
          "当局要求住在港口两英里范围内的居民关闭门窗，直到第二天早上，并暂停了所有货运。"]
    caption = "消防人员在河港码头灭火。Firefighters on the quay of the river port."
    chrome_before = ["Home > World > Asia Pacific", "Published 14 March 2026 | Source: Harbor City Chronicle"]
    chrome_after = ["Tags: fire, port, barges", "Share this story on Facebook, Twitter or by email",
                    "© 2026 Harbor City Chronicle. All rights reserved."]
    blocks = [Block(t) for t in chrome_before] + [Block(caption)] + [Block(t) for t in zh] + [
        Block(t) for t in chrome_after]
    result = analyse_languages(blocks, ["Sign in", "Create an account to keep reading the latest news"] * 2)
    assert result.language == "zh"
    assert [b.text for b in result.blocks] == [caption] + zh
    assert result.chrome_languages == ["en"]
    assert result.input_languages[:2] == ["en", "en"]


def test_chrome_shaped_foreign_line_between_story_and_trailing_text_goes():
    # A portal's tags and editor lines after the story, then the page's own English sign-off that
    # extraction kept: the foreign lines are inside the "core" but have the shape of chrome.
    trailing = "Sign up for our morning newsletter to get the day's most important stories in your inbox."
    blocks = [Block(t) for t in EN] + [Block("标签：国际 外交 经济"), Block("责任编辑：刘晓燕"), Block(trailing)]
    result = analyse_languages(blocks)
    assert [b.text for b in result.blocks] == EN + [trailing]
    assert result.chrome_languages == ["zh"]


def test_same_script_language_of_short_chrome_lines():
    assert classify("Startseite", "Latin", "en")[0] == "de"
    assert classify("Lo más leído", "Latin", "en")[0] == "es"
    assert classify("Mots-clés : politique, économie, relations internationales", "Latin", "en")[0] == "fr"
    assert classify("Harbor fire forces river port closure, officials say", "Latin", "en")[0] == "en"
    assert classify("Ключевые слова: новости мира, главное за день", "Cyrillic", "en")[0] == "ru"
    assert classify("42 17", "Latin", "en") == (None, None)


def test_flattened_page_loses_its_inline_foreign_chrome_only():
    english = " ".join(EN * 30)  # one huge block: extraction flattened the page
    chrome = "您当前的位置：首页 > 国际新闻 > 正文 来源：东方快讯网 责任编辑：刘晓燕"
    text = f"{english} {chrome} {english} The director, Zhang Wei (张伟), said so."
    result = analyse_languages([Block(text)])
    body = result.blocks[0].text
    assert "东方快讯网" not in body and "首页" not in body
    assert "Zhang Wei (张伟)" in body and body.count("RIVERTON") == 60
    assert result.repairs[0].kind == "foreign_chrome_inline" and result.chrome_languages == ["zh"]


def test_foreign_chrome_glued_to_the_end_of_a_paragraph_is_cut():
    glued = EN[2] + " 标签：国际 外交 经济关键词：国际局势 最新消息 综合报道"
    result = analyse_languages([Block(t) for t in EN[:2]] + [Block(glued)])
    assert [b.text for b in result.blocks] == EN
    assert result.chrome_languages == ["zh"]


def test_same_script_chrome_glued_after_the_last_sentence_is_cut():
    glued = EN[2] + " Mots-clés : politique, économie, relations internationales"
    result = analyse_languages([Block(t) for t in EN[:2]] + [Block(glued)])
    assert [b.text for b in result.blocks] == EN
    assert result.chrome_languages == ["fr"]
    # An English sentence that lacks its full stop is no chrome.
    unpunctuated = EN[2] + " The harbor master said the quay would reopen on Friday"
    result = analyse_languages([Block(t) for t in EN[:2]] + [Block(unpunctuated)])
    assert [b.text for b in result.blocks] == EN[:2] + [unpunctuated] and result.repairs == []


def test_foreign_chrome_glued_on_a_sentence_end_inside_a_paragraph_is_cut():
    # An extractor joined three elements without spaces: the quote, the portal's tags line, the
    # quote's attribution. The seam (a full stop followed by a letter) marks the chrome.
    glued = EN[2] + "Теги: политика, экономика, международные отношенияMaria Olsen, harbor master"
    result = analyse_languages([Block(t) for t in EN[:2]] + [Block(glued)])
    assert [b.text for b in result.blocks] == EN[:2] + [EN[2] + " Maria Olsen, harbor master"]
    assert result.chrome_languages == ["ru"]
    # A foreign phrase after a sentence end and a space is the article's ("...: «...»").
    spaced = EN[2] + " Его слова были короткими: река спокойна, порт работает. Maria Olsen said so."
    result = analyse_languages([Block(t) for t in EN[:2]] + [Block(spaced)])
    assert result.blocks[-1].text == spaced


def test_lines_of_names_are_not_judged_by_a_detector():
    # Personal names carry no language: a detector calls "Lucía Ferrández Ortega" Spanish with
    # confidence. Lines of names only, with or without a role label, stay the article's, also
    # where chrome would be (after the last paragraph) and with zero-width spaces after a label.
    names = ["CEO: \u200b\u200b\u200b\u200bLucía Ferrández Ortega", "Director: Anders Vikström",
             "Photo: Mireille Dufresnoy and Pieter van Oosterwijk", "Joaquín Barredo Salcedo",
             "Harbor master: Renata Quiñones (Port Authority)"]
    blocks = [Block(EN[0]), Block(names[0]), Block(names[1]), Block(EN[1]), Block(EN[2]),
              Block(names[2]), Block(names[3]), Block(names[4])]
    result = analyse_languages(blocks)
    assert [b.text for b in result.blocks] == [b.text for b in blocks]
    assert result.repairs == [] and result.chrome_languages == []
    assert set(result.input_languages) == {"en"}
    # A foreign label over a name is still judged by its label; a foreign line still goes.
    chrome = [Block("Redacción: Joaquín Barredo Salcedo"), Block("Etiquetas: política, economía, sociedad")]
    result = analyse_languages([Block(t) for t in EN] + chrome)
    assert [b.text for b in result.blocks] == EN and result.chrome_languages == ["es"]


RU = ["Пожарные всю ночь тушили пожар в речном порту, сообщили во вторник городские власти.",
      "Огонь начался на складе у главного причала и перекинулся на две баржи, стоявшие рядом.",
      "Жителям в радиусе трёх километров от гавани посоветовали не открывать окна до утра."]


def test_short_russian_lines_are_russian():
    # py3langid among the Cyrillic candidates calls short Russian menu lines Bulgarian or
    # Serbian, unsure: alone they cannot be told apart.
    menu = ["Карта сайта", "Вакансии", "Лента новостей", "Читайте также"]
    assert {classify(t, "Cyrillic", "en")[0] for t in menu} - {"ru"}, "the detector's split is the premise"
    result = analyse_languages([Block(t) for t in EN] + [Block(t) for t in menu], ["Войти", "Фото дня"])
    assert result.chrome_languages == ["ru"] and [b.text for b in result.blocks] == EN
    # Runs glued to paragraphs: one classification for all of them.
    glued = [Block(EN[0] + " Лента новостей Карта сайта Вакансии"), Block(EN[1]),
             Block(EN[2] + " Читайте также: В мире, Фото дня")]
    result = analyse_languages(glued)
    assert [b.text for b in result.blocks] == EN and result.chrome_languages == ["ru"]
    # Inside a Russian article its own short lines are Russian, never removed as another
    # Cyrillic language's chrome.
    blocks = [Block("Главное"), Block(RU[0]), Block("Фото дня"), Block(RU[1]), Block(RU[2]), Block("Карта сайта")]
    result = analyse_languages(blocks)
    assert result.language == "ru" and result.repairs == [] and result.chrome_languages == []
    assert set(result.input_languages) == {"ru"}


def test_title_case_english_furniture_around_a_spanish_story_is_removed():
    story = [
        "El ferry del puerto de Riverton volvió a navegar el lunes tras un invierno de reparaciones en el"
        " dique seco, según informó la autoridad portuaria.",
        "La capitana Ines Boyle explicó que los nuevos motores consumen un tercio menos de combustible y"
        " son más silenciosos.",
        "Los billetes siguen costando cuatro dólares para los adultos y los niños menores de doce años"
        " viajan gratis hasta junio.",
    ]
    furniture = ["Home News World", "Most Read Stories", "Privacy Policy", "Terms of Use", "Contact Us"]
    blocks = [Block(t) for t in furniture[:2]] + [Block(t) for t in story] + [Block(t) for t in furniture[2:]]
    # A site's name and a line of personal names carry no language and stay where they are.
    blocks.append(Block("Ines Boyle"))
    result = analyse_languages(blocks, ["Sign In", "Subscribe Now"])
    assert result.language == "es"
    assert [b.text for b in result.blocks] == story + ["Ines Boyle"]
    assert "en" in result.chrome_languages


def test_detector_caches_keep_answers_not_texts():
    # A worker judges thousands of distinct articles; what its caches keep of each must be a
    # few bytes, not the sample judged, while a text judged again gets the same answer.
    import gc
    import random
    import tracemalloc

    from newscrawl.stages.language import clear_caches

    words = " ".join(EN).split()
    rng = random.Random(7)
    first = classify(EN[0], "Latin", "en")
    clear_caches()
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for _ in range(500):
            text = " ".join(rng.choice(words) for _ in range(140))  # ~800 characters, dropped after
            detect(text)
            classify(text, "Latin", "en")
        gc.collect()
        kept = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    # 1,000 entries of ~800-character texts would be ~0.9 MB as keys.
    assert kept < 400_000
    assert classify(EN[0], "Latin", "en") == first == classify(EN[0], "Latin", "en")


def test_script_counts_as_one_class_per_script():
    import re
    from collections import Counter

    from newscrawl.stages.language.scripts import SCRIPT_CLASSES, SCRIPT_WEIGHT, script_counts

    texts = ["plain ASCII words, 42", "Ünïcödé façade and ŒUVRE", "新闻 and ニュース 速報", "Ключевые слова",
             "mixed ελληνικά עברית العربية हिन्दी ไทย 한국어", "a lone surrogate \udc80 after ß", ""]
    for text in texts:
        expected = Counter({script: len(re.findall(f"[{cls}]", text)) * SCRIPT_WEIGHT.get(script, 1)
                            for script, cls in SCRIPT_CLASSES.items()})
        assert script_counts(text) == +expected
