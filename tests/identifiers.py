"""What a person reads on a page, and the raw identifiers in it: ``snake_case`` field or table
names, ``#<id>`` record references and regular expressions (issue 19). Text inside ``<code>`` is
an identifier shown on purpose (an indicator's code for API users): its names are not counted,
but a regular expression is never on purpose, in ``<code>`` or not."""

import re
from html.parser import HTMLParser

SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
RECORD_REFERENCE = re.compile(r"#\d+")
# A regular expression's marks: a class escape (\d, \s, \w, \b), a group's (?: (?= (?!, a
# negated set [^, or a pattern anchored at both ends (^…$).
REGEX = re.compile(r"\\[dDsSwWbB]|\(\?[:=!<]|\[\^|\^\S+\$")
# Attributes people read (tooltips, alternative text, labels, placeholders).
READ_ATTRIBUTES = {"title", "alt", "aria-label", "placeholder"}


class _VisibleText(HTMLParser):
    """The text a person sees or hears: text outside scripts, styles and ``<code>``, and the
    read attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.code: list[str] = []
        self.skipping = 0
        self.in_code = 0

    def handle_starttag(self, tag, attrs) -> None:
        self.in_code += tag == "code"
        if tag in ("script", "style", "code", "template"):
            self.skipping += 1
        self.parts.extend(value or "" for name, value in attrs if name in READ_ATTRIBUTES)
        if tag == "input" and dict(attrs).get("type") in ("submit", "button"):
            self.parts.append(dict(attrs).get("value") or "")

    def handle_endtag(self, tag) -> None:
        self.in_code -= tag == "code"
        if tag in ("script", "style", "code", "template"):
            self.skipping -= 1

    def handle_data(self, data) -> None:
        if not self.skipping:
            self.parts.append(data)
        elif self.in_code:
            self.code.append(data)


def raw_identifiers(html: str, *, regexes: bool = True) -> list[str]:
    """The names and record references in the text people read, then (with ``regexes``) the
    regular expressions in it and in its ``<code>``."""
    reader = _VisibleText()
    reader.feed(html)
    text = " ".join(reader.parts)
    found = SNAKE.findall(text) + RECORD_REFERENCE.findall(text)
    if not regexes:
        return found
    return found + REGEX.findall(text) + REGEX.findall(" ".join(reader.code))
