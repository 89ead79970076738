"""Request validation driven by botocore's SageMaker service model
(docs/api.md#the-validationexception-text).

`validate_request(operation, body)` walks the operation's input shape depth-first in member
order and collects every violation of required members, types, lengths, numeric ranges,
patterns (full match, Java syntax translated for the `regex` package) and enums. It raises one
`ValidationException` whose message reads as AWS writes it. Nothing here is specific to an
operation: any SageMaker operation of the installed model is validated the same way.

The semantic rules of the Ground Truth operations (docs/api.md#rules-operation-by-operation)
follow in `emulator.api.rules`; they run only when the shape is valid.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

import botocore.session
import regex
from botocore.model import ListShape, MapShape, OperationModel, ServiceModel, Shape, StructureShape
from botocore.utils import parse_timestamp

from emulator.errors import ValidationException

_TYPE_NAMES = {
    "string": "string",
    "integer": "integer",
    "long": "long",
    "float": "float",
    "double": "double",
    "boolean": "boolean",
    "timestamp": "timestamp",
    "structure": "structure",
    "list": "list",
    "map": "map",
    "blob": "blob",
}


@functools.lru_cache(maxsize=1)
def service_model() -> ServiceModel:
    """The SageMaker service model of the installed botocore."""
    return botocore.session.get_session().get_service_model("sagemaker")


def operation_model(operation: str) -> OperationModel:
    return service_model().operation_model(operation)


def validate_request(operation: str, body: Mapping[str, Any]) -> None:
    """Raise `ValidationException` (docs/api.md#the-validationexception-text) if `body` violates the
    input shape."""
    shape = operation_model(operation).input_shape
    if shape is None:
        return
    violations = list(_check_structure(shape, body, ""))
    if violations:
        raise ValidationException(validation_message(violations))


def validation_message(violations: list[str]) -> str:
    count = len(violations)
    noun = "error" if count == 1 else "errors"
    return f"{count} validation {noun} detected: " + "; ".join(violations)


def violation(path: str, value: Any, constraint: str, *, sensitive: bool = False) -> str:
    """One violation: `Value '<v>' at '<path>' failed to satisfy constraint: <constraint>`."""
    if sensitive:
        shown = "Value"
    elif value is None:
        shown = "Value null"
    else:
        shown = f"Value '{render_value(value)}'"
    return f"{shown} at '{path}' failed to satisfy constraint: {constraint}"


def render_value(value: Any) -> str:
    """Java-style rendering of a request value: `[a, b]` for lists, `{k=v}` for maps."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(render_value(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}={render_value(v)}" for k, v in value.items()) + "}"
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def lower_camel(name: str) -> str:
    return name[:1].lower() + name[1:]


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _check_structure(shape: StructureShape, value: Mapping[str, Any], path: str) -> Iterator[str]:
    required = set(shape.required_members)
    for name, member in shape.members.items():
        member_path = _join(path, lower_camel(name))
        member_value = value.get(name)
        if member_value is None:
            if name in required:
                yield violation(member_path, None, "Member must not be null")
            continue
        yield from _check_value(member, member_value, member_path)


def _check_value(shape: Shape, value: Any, path: str) -> Iterator[str]:
    sensitive = bool(shape.metadata.get("sensitive"))
    if not _has_type(shape, value):
        constraint = f"Member must be of type {_TYPE_NAMES.get(shape.type_name, shape.type_name)}"
        yield violation(path, value, constraint, sensitive=sensitive)
        return
    yield from _check_constraints(shape, value, path, sensitive)
    if isinstance(shape, StructureShape) and not shape.is_document_type:
        yield from _check_structure(shape, value, path)
    elif isinstance(shape, ListShape):
        for index, item in enumerate(value, start=1):
            item_path = f"{path}.{index}.member"
            if item is None:
                yield violation(item_path, None, "Member must not be null")
            else:
                yield from _check_value(shape.member, item, item_path)
    elif isinstance(shape, MapShape):
        for key, item in value.items():
            yield from _check_value(shape.key, key, path)
            if item is not None:
                yield from _check_value(shape.value, item, f"{path}.{key}")


def _has_type(shape: Shape, value: Any) -> bool:
    kind = shape.type_name
    if kind == "structure":
        return shape.is_document_type or isinstance(value, dict)
    if kind == "list":
        return isinstance(value, list)
    if kind == "map":
        return isinstance(value, dict)
    if kind in ("string", "blob"):
        return isinstance(value, str) or (kind == "blob" and isinstance(value, bytes))
    if kind == "boolean":
        return isinstance(value, bool)
    if kind in ("integer", "long"):
        return isinstance(value, int) and not isinstance(value, bool)
    if kind in ("float", "double"):
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind == "timestamp":
        if isinstance(value, str):
            return _parses_as_timestamp(value)
        return isinstance(value, (int, float, datetime)) and not isinstance(value, bool)
    return True


def _parses_as_timestamp(value: str) -> bool:
    try:
        parse_timestamp(value)
    except (ValueError, TypeError, OverflowError):
        return False
    return True


def _check_constraints(shape: Shape, value: Any, path: str, sensitive: bool) -> Iterator[str]:
    metadata = shape.metadata
    minimum, maximum = metadata.get("min"), metadata.get("max")
    if isinstance(value, (str, list, dict)):
        measure, amount = "length", len(value)
    elif isinstance(value, (int, float)) and shape.type_name != "timestamp":
        measure, amount = "value", value
    else:
        measure = amount = None
    if measure is not None:
        if minimum is not None and amount < minimum:
            yield violation(
                path,
                value,
                f"Member must have {measure} greater than or equal to {minimum}",
                sensitive=sensitive,
            )
        if maximum is not None and amount > maximum:
            yield violation(
                path,
                value,
                f"Member must have {measure} less than or equal to {maximum}",
                sensitive=sensitive,
            )
    if not isinstance(value, str):
        return
    pattern = metadata.get("pattern")
    if pattern is not None and compiled_pattern(pattern).fullmatch(value) is None:
        yield violation(
            path,
            value,
            f"Member must satisfy regular expression pattern: {pattern}",
            sensitive=sensitive,
        )
    enum = shape.enum
    if enum and value not in enum:
        yield violation(
            path,
            value,
            f"Member must satisfy enum value set: [{', '.join(enum)}]",
            sensitive=sensitive,
        )


_SURROGATE_PAIR = regex.compile(r"\\u(D[89ABab][0-9A-Fa-f]{2})\\u(D[C-Fc-f][0-9A-Fa-f]{2})")


# Java's `.` matches no line terminator; Python's only excludes `\n`.
_JAVA_DOT = "[^\\n\\r\\u0085\\u2028\\u2029]"


@functools.cache
def compiled_pattern(pattern: str) -> regex.Pattern[str]:
    """Compile a model pattern (Java syntax) for the `regex` package, with Java's meaning.

    - Java patterns spell supplementary characters as UTF-16 surrogate pairs
      (`\\uD800\\uDC00-\\uDBFF\\uDFFF`); Python strings hold code points, so each pair
      becomes the code point it encodes.
    - `.` outside a character class matches no line terminator, as in Java.
    """

    def code_point(match: regex.Match[str]) -> str:
        high, low = int(match.group(1), 16), int(match.group(2), 16)
        return f"\\U{0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00):08X}"

    translated = _java_dots(_SURROGATE_PAIR.sub(code_point, pattern))
    return regex.compile(translated, regex.VERSION0)


def _java_dots(pattern: str) -> str:
    out: list[str] = []
    in_class = escaped = False
    for char in pattern:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char == ".":
            out.append(_JAVA_DOT)
            continue
        out.append(char)
    return "".join(out)
