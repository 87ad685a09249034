"""The decode stage's own charset labels, BOMs and decoding: the same answers whichever w3lib is
installed (w3lib 2.6 answers many of these otherwise) and whatever codecs other packages register."""

import codecs

import pytest

from newscrawl.stages.decode import decode_html
from newscrawl.stages.decode.labels import (
    header_charset_label,
    read_bom,
    resolve_declared_label,
    resolve_label,
    tag_charset_label,
    to_text,
)

TEXT = "Zoë Müller said the café reopened on Tuesday."


def page(head: str = "", text: str = TEXT) -> str:
    return f"<html><head>{head}<title>t</title></head><body><p>{text}</p></body></html>"


@pytest.mark.parametrize("label, codec", [
    ("utf-8", "utf-8"), ("UTF8", "utf-8"),
    ("latin1", "cp1252"), ("iso-8859-1", "cp1252"), ("us-ascii", "cp1252"), ("iso-8859-9", "cp1254"),
    ("gbk", "gb18030"), ("GB2312", "gb18030"), ("cp936", "gb18030"), ("gb18030", "gb18030"),
    ("big5", "big5hkscs"), ("shift_jis", "cp932"), ("euc-kr", "cp949"), ("euc-jp", "euc_jp"),
    ("tis-620", "cp874"), ("iso-2022-kr", "iso2022_kr"), ("iso-2022-jp", "iso2022_jp"), ("hz-gb-2312", "hz"),
    ("utf-16", "utf-16"), ("utf-32", "utf-32"), ("utf-32le", "utf-32-le"),
    ("cp852", "cp852"), ("ibm866", "cp866"), ("koi8-r", "koi8-r"), ("kz1048", "kz1048"),
])
def test_labels_resolve_to_the_codecs_browsers_read_them_with(label, codec):
    assert resolve_label(label) == codec


@pytest.mark.parametrize("label, codec", [
    ("x-gbk", "gb18030"), ("gb_2312", "gb18030"), ("windows-949", "cp949"), ("cseuckr", "cp949"),
    ("x-euc-jp", "euc_jp"), ("x-x-big5", "big5hkscs"), ("unicode-1-1-utf-8", "utf-8"),
    ("iso88591", "cp1252"), ("iso88599", "cp1254"), ("iso885915", "iso8859-15"), ("x-cp1251", "cp1251"),
    ("iso-8859-8-i", "iso8859-8"), ("visual", "iso8859-8"), ("x-mac-roman", "mac-roman"),
    ("x-mac-cyrillic", "mac-cyrillic"), ("koi8-ru", "koi8-u"), ("dos-874", "cp874"), ("unicode", "utf-16-le"),
])
def test_encoding_standard_labels_python_lacks_resolve(label, codec):
    assert resolve_label(label) == codec


def test_a_page_declaring_an_encoding_standard_label_is_read_with_it():
    text = "Пресс-служба сообщила о переносе заседания на вторник"
    decoded = decode_html(page('<meta charset="x-cp1251">', text).encode("cp1251"), "text/html")
    assert decoded.encoding == "cp1251" and decoded.source == "meta" and text in decoded.text


@pytest.mark.parametrize("label", [None, "", "utf-7", "base64", "zlib", "rot13", "x-user-defined", "replacement", "no-such-charset"])
def test_unknown_refused_and_non_text_labels_resolve_to_none(label):
    assert resolve_label(label) is None


def test_codecs_other_packages_register_are_not_labels():
    # A package may register codecs process-wide (w3lib 2.6 registers "replacement" and
    # "x-user-defined"): a page's label must not resolve to them.
    info = codecs.lookup("latin-1")
    codecs.register(lambda name: info if name == "newscrawl_test_registered" else None)
    assert codecs.lookup("newscrawl_test_registered") is info
    assert resolve_label("newscrawl-test-registered") is None


@pytest.mark.parametrize("content_type, label", [
    ("text/html; charset=GBK", "GBK"),
    ('text/html; charset="utf-8"', "utf-8"),
    ("text/html;charset=utf-8,text/plain", "utf-8"),
    ('text/html; title="a;charset=koi8-r"; charset=big5', "big5"),
    ("text/html; charset=bad!; charset=euc-kr", "euc-kr"),
    ("text/html", None), ("text/html; xcharset=gbk", None),
])
def test_header_charset_label(content_type, label):
    assert header_charset_label(content_type) == label


@pytest.mark.parametrize("tag, label", [
    ('<meta charset="gbk">', "gbk"),
    ("<META CHARSET=' Shift_JIS '/>", "Shift_JIS"),
    ('<meta http-equiv="Content-Type" content="text/html; charset=windows-1251">', "windows-1251"),
    ('<meta content="text/html; charset=koi8-r" httpequiv="ContentType">', "koi8-r"),
    ('<meta content="text/html; charset=koi8-r">', None),  # no content-type pragma
    ('<meta http-equiv="refresh" content="0; charset=koi8-r">', None),
    ('<?xml version="1.0" encoding="euc-jp"?>', "euc-jp"),
    ('<meta-data charset="gbk">', None),
])
def test_tag_charset_label(tag, label):
    assert tag_charset_label(tag.encode()) == label


def test_a_declared_utf16_or_utf32_in_markup_reads_as_utf8():
    assert resolve_declared_label("utf-16") == resolve_declared_label("UTF-32BE") == "utf-8"
    assert resolve_declared_label("gbk") == "gb18030"


def test_utf8_page_declaring_utf16_in_its_meta_is_read_as_utf8():
    html = page('<meta charset="utf-16">', "Zoë Müller visited São Tomé — “a café”, she said.")
    body = html.encode()
    body += b" " * (len(body) % 2)  # an even length: the bytes decode "cleanly" as UTF-16
    decoded = decode_html(body)
    assert (decoded.encoding, decoded.declared_meta) == ("utf-8", "utf-8")
    assert "Zoë Müller visited São Tomé — “a café”, she said." in decoded.text


@pytest.mark.parametrize("charset", ["base64", "rot13", "x-user-defined"])
def test_non_text_and_unknown_header_labels_are_ignored(charset):
    decoded = decode_html(page().encode("cp1252"), f"text/html; charset={charset}")
    assert decoded.encoding == "cp1252" and decoded.declared_header is None and TEXT in decoded.text


def test_utf32le_bom_is_not_read_as_utf16le():
    body = codecs.BOM_UTF32_LE + page().encode("utf-32-le")
    assert read_bom(body) == ("utf-32-le", codecs.BOM_UTF32_LE)
    decoded = decode_html(body)
    assert (decoded.encoding, decoded.source) == ("utf-32-le", "bom") and TEXT in decoded.text


def test_utf16_without_bom_is_sniffed_not_taken_for_a_bom():
    body = ('<?xml version="1.0"?>' + page()).encode("utf-16-le")
    assert read_bom(body) == (None, None)
    decoded = decode_html(body)
    assert (decoded.encoding, decoded.source) == ("utf-16-le", "detected") and TEXT in decoded.text


def test_to_text_reads_gb18030_lead_0x80_as_euro_and_replaces_other_bad_bytes():
    assert to_text("价格".encode("gb18030") + b"\x80", "gb18030") == "价格€"
    assert to_text(b"caf\xe9 \xff", "utf-8") == "caf\ufffd \ufffd"
    assert to_text(b"\x81", "cp1252") == "\ufffd"


@pytest.mark.parametrize("label", ["iso-2022-kr", "csiso2022kr"])
def test_iso2022_kr_declared_is_decoded(label):
    text = "뉴스 속보입니다"
    decoded = decode_html(page("", text).encode("iso2022_kr"), f"text/html; charset={label}")
    assert decoded.encoding == "iso2022_kr" and text in decoded.text
