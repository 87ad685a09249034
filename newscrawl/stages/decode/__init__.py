"""Decode: a page's bytes to text, in the right character encoding (see :mod:`.charset`)."""

from newscrawl.stages.decode.charset import Decoded, NotText, declared_meta_encoding, decode_html

__all__ = ["Decoded", "NotText", "declared_meta_encoding", "decode_html"]
