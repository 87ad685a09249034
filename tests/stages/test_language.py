from newscrawl.block import Block
from newscrawl.language import analyse_languages, detect, dominant_script

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
