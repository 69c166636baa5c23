"""Plain text from editor HTML, for indexing and snippets. PURE: no Django."""

from __future__ import annotations

import re
from html.parser import HTMLParser

# Tags whose text is not content a reader sees.
_SKIP = {"script", "style", "template", "noscript", "head", "title"}
# Tags that end a line of text: without a break "<p>Tender</p><p>notice</p>" would read "Tendernotice".
_BREAK = {
    "p",
    "div",
    "br",
    "li",
    "tr",
    "td",
    "th",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "table",
    "section",
    "article",
    "blockquote",
    "pre",
    "hr",
    "ul",
    "ol",
    "dd",
    "dt",
    "caption",
}
_LOOKS_LIKE_HTML = re.compile(r"<(?:[a-zA-Z][a-zA-Z0-9]*\b[^>]*|/[a-zA-Z][a-zA-Z0-9]*\s*|!--.*?--)>", re.S)
_SPACES = re.compile(r"[ \t\r\f\v\u00a0\u3000]+")
_LINES = re.compile(r"\s*\n\s*")
# PostgreSQL refuses NUL in text and UTF-8 cannot carry lone surrogates; neither is ever content.
_UNSTORABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self._skip_depth += 1
        elif tag in _BREAK:
            self.parts.append("\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BREAK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self._skip_depth = max(0, self._skip_depth - 1)
        elif tag in _BREAK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip_depth:
            self.parts.append(data)


def html_to_text(value: str) -> str:
    """Readable plain text of ``value``: tags removed, entities decoded, white space collapsed.

    Plain text is passed through (only white space is tidied): treating "甲 < 乙" as markup would
    eat text, so the HTML parser runs only when ``value`` contains something that looks like a tag.
    """
    value = _UNSTORABLE.sub(" ", value)
    if _LOOKS_LIKE_HTML.search(value):
        parser = _TextExtractor()
        parser.feed(value)
        parser.close()
        value = "".join(parser.parts)
    value = _SPACES.sub(" ", value)
    return _LINES.sub("\n", value).strip()


def one_line(value: str) -> str:
    """``value`` with every run of white space (line breaks too) made a single space, for snippets."""
    return " ".join(value.split())


def truncate(value: str, limit: int) -> str:
    return value if len(value) <= limit else value[:limit]
