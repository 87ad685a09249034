import pytest

from newscrawl.stages.decode import NotText, decode_html, declared_meta_encoding

TEXT = "Zoë Müller visited São Tomé — “a café”, she said."


def page(meta: str | None, text: str = TEXT) -> str:
    head = f'<meta charset="{meta}">' if meta else ""
    return f"<html><head><title>t</title>{head}</head><body><p>{text}</p></body></html>"


@pytest.mark.parametrize(
    "label, body, content_type, encoding, source",
    [
        ("utf-8 declared everywhere", page("utf-8").encode(), "text/html; charset=utf-8", "utf-8", "header"),
        ("wrong latin-1 header, utf-8 bytes", page("utf-8").encode(), "text/html; charset=iso-8859-1", "utf-8", "meta"),
        ("latin-1 header only, utf-8 bytes", page(None).encode(), "text/html; charset=iso-8859-1", "utf-8", "corrected"),
        ("nothing declared, utf-8 bytes", page(None).encode(), None, "utf-8", "detected"),
        ("cp1252 declared, cp1252 bytes", page("windows-1252").encode("cp1252"), None, "cp1252", "meta"),
        ("gbk header resolves to gb18030", page("gbk", "您的位置：首页 新闻 标签").encode("gb18030"), "text/html; charset=gbk", "gb18030", "header"),
        ("latin-1 header on a gbk page", page("gbk", "您的位置：首页 新闻 标签 关键词 滚动新闻").encode("gb18030"), "text/html; charset=iso-8859-1", "gb18030", "meta"),
    ],
)
def test_decode_chooses_encoding(label, body, content_type, encoding, source):
    decoded = decode_html(body, content_type)
    assert decoded.encoding == encoding, label
    assert decoded.source == source, label
    assert decoded.replacement_count == 0


def test_conflict_is_recorded():
    decoded = decode_html(page("utf-8").encode(), "text/html; charset=iso-8859-1")
    assert decoded.conflict and "cp1252" in decoded.conflict and decoded.conflict.endswith("utf-8")
    assert TEXT in decoded.text


def test_bom_wins_over_declarations():
    body = "\ufeff".encode("utf-16-le") + page("iso-8859-1").encode("utf-16-le")
    decoded = decode_html(body, "text/html; charset=iso-8859-1")
    assert decoded.source == "bom" and decoded.encoding.startswith("utf-16")
    assert TEXT in decoded.text


def test_meta_declaration_after_4kb_is_found():
    filler = "<!-- " + "x" * 6000 + " -->"
    html = f"<html><head>{filler}<meta charset='koi8-r'></head><body>привет</body></html>"
    assert declared_meta_encoding(html.encode("koi8-r")) == "koi8-r"


@pytest.mark.parametrize("body", [b"%PDF-1.7\n%\xe2\xe3", b"\x89PNG\r\n\x1a\n\x00\x00", b"GIF89a\x00\x01", b"ab\x00\x00cd" * 10])
def test_binary_is_not_text(body):
    with pytest.raises(NotText):
        decode_html(body, "text/html")


def test_empty_body():
    assert decode_html(b"").source == "empty"


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"])
def test_utf16_32_without_bom_is_sniffed_from_markup(encoding):
    body = page(None, "港口发生爆炸 — Zoë").encode(encoding)
    decoded = decode_html(body, "text/html")
    assert decoded.encoding == encoding and "港口发生爆炸 — Zoë" in decoded.text


@pytest.mark.parametrize("encoding", ["iso2022_jp", "iso2022_kr"])
def test_iso2022_is_not_taken_for_ascii(encoding):
    text = "ニュース速報です" if encoding == "iso2022_jp" else "뉴스 속보입니다"
    decoded = decode_html(page(None, text).encode(encoding), "text/html; charset=iso-8859-1")
    assert decoded.encoding == encoding and text in decoded.text and decoded.conflict


def test_gbk_page_declared_latin1_in_both_places_is_corrected():
    text = "您的位置：首页 > 新闻。河港周二凌晨发生大火，消防人员连夜扑救，官员表示火势已经得到控制。" * 3
    body = page("iso-8859-1", text).encode("gb18030")
    decoded = decode_html(body, "text/html; charset=iso-8859-1")
    assert decoded.source == "corrected" and text in decoded.text


def double_encode(text: str) -> bytes:
    import ftfy.bad_codecs  # noqa: F401

    return text.encode("utf-8").decode("sloppy-windows-1252").encode("utf-8")


def test_whole_page_double_encoding_is_undone():
    html = page("utf-8", "Zoë Müller’s café in São Tomé — “open again”, she said. Déjà vu.")
    decoded = decode_html(double_encode(html), "text/html; charset=utf-8")
    assert TEXT not in decoded.text  # sanity: the page text differs from TEXT
    assert "Zoë Müller’s café in São Tomé — “open again”" in decoded.text
    assert decoded.double_encoding_repairs >= 5


def test_page_quoting_a_little_mojibake_is_left_alone():
    html = page("utf-8", "Zoë Müller explains why “Ã©” appears instead of é on broken sites — café, naïve, São Tomé, déjà.")
    decoded = decode_html(html.encode("utf-8"), "text/html; charset=utf-8")
    assert "“Ã©”" in decoded.text and decoded.double_encoding_repairs == 0
