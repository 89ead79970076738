"""JavaScript-style literals in crowd-element attributes, read as the browser elements read them.

`categories="['Cat', 'Dog']"`, `exclusion-category="{ text: 'None of these' }"`, `labels`,
`initial-value`: the same tolerant grammar as `worker_ui/static/crowd/lib/literal.js` (JSON plus
single quotes, unquoted keys, comments, trailing commas). Nothing is ever evaluated.
"""

from __future__ import annotations

import json
import re
from typing import Any, Literal

#: The kind of value a literal attribute holds, as the browser element reads it: "list"
#: (`['Cat', 'Dog']`), "object" (`{ labelMappings: {...}, src: '…' }`) or "list or object" (either
#: form, as a vector tool's `initial-value`: its shapes, or an object holding them).
LiteralKind = Literal["list", "object", "list or object"]

#: How a finding names each kind.
LITERAL_KIND_NAMES: dict[str, str] = {
    "list": "a JSON array",
    "object": "a JSON object",
    "list or object": "a JSON array or object",
}


class LiteralSyntaxError(ValueError):
    pass


_IDENTIFIER = re.compile(r"[A-Za-z_$][\w$]*")
_NUMBER = re.compile(r"[+-]?(?:0[xX][0-9a-fA-F]+|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|Infinity)")
_WORDS: dict[str, Any] = {
    "true": True,
    "false": False,
    "null": None,
    "undefined": None,
    "NaN": float("nan"),
}
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "v": "\v", "0": "\0"}


class _LiteralReader:
    def __init__(self, text: str) -> None:
        self.text = text
        self.at = 0

    def fail(self, problem: str) -> LiteralSyntaxError:
        return LiteralSyntaxError(f"{problem} at position {self.at + 1}")

    def peek(self) -> str:
        return self.text[self.at] if self.at < len(self.text) else ""

    def skip_space(self) -> None:
        while self.at < len(self.text):
            if self.text[self.at].isspace() or self.text[self.at] == "\ufeff":
                self.at += 1
            elif self.text.startswith("//", self.at):
                end = self.text.find("\n", self.at)
                self.at = len(self.text) if end < 0 else end + 1
            elif self.text.startswith("/*", self.at):
                end = self.text.find("*/", self.at + 2)
                if end < 0:
                    raise self.fail("unterminated comment")
                self.at = end + 2
            else:
                return

    def value(self) -> Any:
        self.skip_space()
        char = self.peek()
        if char == "[":
            return self.sequence("]")
        if char == "{":
            return self.sequence("}")
        if char and char in "\"'`":
            return self.string()
        number = _NUMBER.match(self.text, self.at)
        if number:
            self.at = number.end()
            return _number(number.group())
        word = _IDENTIFIER.match(self.text, self.at)
        if word and word.group() in _WORDS:
            self.at = word.end()
            return _WORDS[word.group()]
        if word:
            raise self.fail(f'unexpected word "{word.group()}"')
        raise self.fail("unexpected end of text" if not char else f'unexpected character "{char}"')

    def sequence(self, closing: str) -> Any:
        self.at += 1
        items: list[Any] = []
        entries: dict[str, Any] = {}
        while True:
            self.skip_space()
            if self.peek() == closing:
                self.at += 1
                return items if closing == "]" else entries
            if closing == "]":
                items.append(self.value())
            else:
                key = self.key()
                self.skip_space()
                if self.peek() != ":":
                    raise self.fail('expected ":"')
                self.at += 1
                entries[key] = self.value()
            self.skip_space()
            if self.peek() == ",":
                self.at += 1
            elif self.peek() != closing:
                raise self.fail(f'expected "," or "{closing}"')

    def key(self) -> str:
        if self.peek() and self.peek() in "\"'`":
            return self.string()
        match = _IDENTIFIER.match(self.text, self.at) or _NUMBER.match(self.text, self.at)
        if not match:
            raise self.fail("expected a key")
        self.at = match.end()
        return match.group()

    def string(self) -> str:
        quote = self.text[self.at]
        self.at += 1
        parts = []
        while True:
            if self.at >= len(self.text):
                raise self.fail("unterminated string")
            char = self.text[self.at]
            self.at += 1
            if char == quote:
                return "".join(parts)
            if char == "\\":
                parts.append(self.escape())
            else:
                parts.append(char)

    def escape(self) -> str:
        if self.at >= len(self.text):
            raise self.fail("unterminated string")
        char = self.text[self.at]
        self.at += 1
        if char in "xu":
            braced = char == "u" and self.peek() == "{"
            pattern = _BRACED_HEX if braced else (_HEX2 if char == "x" else _HEX4)
            digits = pattern.match(self.text, self.at)
            if not digits or int(digits.group(1), 16) > 0x10FFFF:
                raise self.fail("bad escape")
            self.at = digits.end()
            return chr(int(digits.group(1), 16))
        return _ESCAPES.get(char, "" if char == "\n" else char)


_HEX2 = re.compile(r"([0-9a-fA-F]{2})")
_HEX4 = re.compile(r"([0-9a-fA-F]{4})")
_BRACED_HEX = re.compile(r"\{([0-9a-fA-F]{1,6})\}")


def _number(text: str) -> float | int:
    sign = -1 if text.startswith("-") else 1
    digits = text.lstrip("+-")
    if digits[:2].lower() == "0x":
        return sign * int(digits, 16)
    return sign * float(digits.replace("Infinity", "inf"))


def parse_literal(text: str) -> Any:
    """Reads a JSON or JavaScript-style literal as the crowd elements do (never evaluates)."""
    reader = _LiteralReader(text)
    value = reader.value()
    reader.skip_space()
    if reader.at < len(text):
        raise reader.fail("unexpected text after the value")
    return value


def kind_problem(parsed: Any, kind: LiteralKind) -> str | None:
    """None when a parsed literal is of `kind`, else what it is instead."""
    found = "list" if isinstance(parsed, list) else "object" if isinstance(parsed, dict) else None
    if found is not None and found in kind.split(" or "):
        return None
    found_name = {"list": "a list", "object": "an object"}.get(found or "", "a single value")
    return f"it is {found_name}, not {LITERAL_KIND_NAMES[kind]}"


def read_literal(value: str, kind: LiteralKind) -> Any:
    """The parsed value of a literal attribute that must be of `kind`; ValueError (a syntax error
    with its position, or the kind found instead) otherwise."""
    parsed = parse_literal(value)
    problem = kind_problem(parsed, kind)
    if problem:
        raise ValueError(problem)
    return parsed


def category_texts(value: str) -> list[str]:
    """The category strings of a `categories` attribute; raises ValueError if it is not a
    list."""
    parsed = read_literal(value, "list")
    texts = []
    for item in parsed:
        if isinstance(item, dict):
            item = item.get("label", item.get("text", item.get("name")))
        texts.append(item if isinstance(item, str) else json.dumps(item))
    return texts


def exclusion_text(value: str | None) -> str | None:
    """The text of `exclusion-category` (`{ text: 'None of the above' }` or plain text)."""
    if value is None or not value.strip():
        return None
    try:
        parsed = parse_literal(value.strip())
    except LiteralSyntaxError:
        if value.strip()[0] in "[{'\"`":
            raise
        return value.strip()
    if isinstance(parsed, str):
        return parsed
    if isinstance(parsed, dict) and parsed.get("text") is not None:
        return str(parsed["text"])
    raise ValueError("it must look like { text: 'None of the above' }")
