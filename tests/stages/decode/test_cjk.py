"""East Asian pages that other evidence misreads (newscrawl/stages/decode/cjk.py), and Latin pages left alone."""

import pytest

from newscrawl.stages.decode.cjk import reading_figures
from newscrawl.stages.decode import decode_html

JAPANESE = ("港の新しいクレーンは火曜日に到着し、来月から荷役作業を始める予定だと港湾局が発表しました。"
            "地元の漁業組合は騒音対策について説明を求めています。")
CHINESE = "新的港口起重机于周二运抵，港务局表示将于下个月开始装卸作业。当地渔业协会要求港方说明噪音控制措施。"
TRADITIONAL = "新的港口起重機於週二運抵，港務局表示將於下個月開始裝卸作業。當地漁業協會要求港方說明噪音控制措施。"
GERMAN = ("Die Straße über den Fluss wird ab Montag gesperrt, weil die Brücke für größere Lastwagen "
          "verstärkt werden muss. Anwohner können die Fußgängerbrücke nutzen, teilte das Bauamt mit.")


def page(text: str, encoding: str) -> bytes:
    return f"<html><head><title>t</title></head><body><p>{text}</p></body></html>".encode(encoding)


@pytest.mark.parametrize("text,encoding,expected", [
    (JAPANESE, "shift_jis", "cp932"),
    (JAPANESE, "euc_jp", "euc_jp"),
    (CHINESE, "gb2312", "gb18030"),
    (TRADITIONAL, "big5", "big5"),
])
@pytest.mark.parametrize("content_type", ["text/html", "text/html; charset=iso-8859-1"])
def test_east_asian_page_is_read_in_its_encoding(text, encoding, expected, content_type):
    # Undeclared, or served with the commonest lie: either way a Latin reading must lose.
    decoded = decode_html(page(text, encoding), content_type)
    assert text in decoded.text
    assert decoded.encoding in (expected, "big5hkscs" if expected == "big5" else expected)


def test_japanese_page_declared_as_chinese_is_read_as_japanese():
    decoded = decode_html(page(JAPANESE, "euc_jp"), "text/html; charset=gb2312")
    assert JAPANESE in decoded.text and decoded.encoding == "euc_jp"
    assert decoded.source == "corrected" and "gb18030 -> euc_jp" in decoded.conflict


@pytest.mark.parametrize("encoding", ["cp1252", "iso8859_15"])
def test_latin_page_is_not_taken_for_east_asian(encoding):
    decoded = decode_html(page(GERMAN, encoding), "text/html")
    assert GERMAN in decoded.text


def test_figures_tell_running_text_from_letters_glued_into_words():
    east, share, glued, kana = reading_figures(JAPANESE)
    assert east > 50 and share == 1.0 and glued == 0.0 and 0.2 < kana < 0.8
    # German cp1252 bytes read as GBK: every "Han" character sits inside a Latin word.
    misread = GERMAN.encode("cp1252").decode("gbk", "replace")
    assert reading_figures(misread)[2] > 0.5
