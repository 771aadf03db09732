"""Read one YAML bank file in a single pass over the parser's events.

The C parser (libyaml) is used when PyYAML was built with it, else the pure-Python one. Values
are built here from the events, so one parse gives the data, the line of every field, and the
refusals: anchors and aliases (no alias bombs), duplicate keys, explicit tags other than the
plain YAML ones (no python/object), and more than one document.
"""

from __future__ import annotations

from typing import Any

import yaml

from bot.core.errors import BankError

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_RESOLVER: Any = yaml.resolver.Resolver()  # untyped in types-PyYAML
_CONSTRUCTOR = yaml.constructor.SafeConstructor()
_MAP, _SEQ = "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"

Path = tuple[Any, ...]


def read_yaml(source: str, text: str) -> tuple[Any, dict[Path, int]]:
    """The document's value and the 1-based line of every path in it (keys and items)."""
    try:
        return _read(source, text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f", line {mark.line + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise BankError(f"{source}{where}: not valid YAML ({problem})") from None


def dotted(path: Path) -> str:
    """`questions[3].follow_ups[0]`: how a path is written in error messages."""
    return ".".join(str(p) if isinstance(p, str) else f"[{p}]" for p in path).replace(".[", "[")


def _line(event: Any) -> int:
    return event.start_mark.line + 1 if event.start_mark else 0


def _invalid(source: str, event: Any, problem: str) -> BankError:
    return BankError(f"{source}, line {_line(event)}: not valid YAML ({problem})")


class _Open:
    """A mapping or sequence being filled, and (for a mapping) the key waiting for its value."""

    __slots__ = ("has_key", "key", "path", "value")

    def __init__(self, value: dict[Any, Any] | list[Any], path: Path) -> None:
        self.value = value
        self.path = path
        self.key: Any = None
        self.has_key = False


def _read(source: str, text: str) -> tuple[Any, dict[Path, int]]:
    lines: dict[Path, int] = {}
    stack: list[_Open] = []
    result: Any = None
    documents = 0
    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise BankError(f"{source}, line {_line(event)}: anchors and aliases are not allowed")
        if isinstance(event, yaml.DocumentStartEvent):
            documents += 1
            if documents > 1:
                raise _invalid(source, event, "expected a single document in the stream")
            continue
        if isinstance(event, yaml.ScalarEvent):
            value: Any = _scalar(source, event)
        elif isinstance(event, yaml.MappingStartEvent | yaml.SequenceStartEvent):
            is_map = isinstance(event, yaml.MappingStartEvent)
            if event.tag not in (None, "!", _MAP if is_map else _SEQ):
                raise _invalid(source, event, f"the tag {event.tag} is not allowed")
            value = {} if is_map else []
        elif isinstance(event, yaml.MappingEndEvent | yaml.SequenceEndEvent):
            done = stack.pop()
            if not stack:
                result = done.value
            continue
        else:
            continue
        if stack and isinstance(stack[-1].value, dict) and not stack[-1].has_key:
            _take_key(source, stack[-1], event, value, lines)
            continue
        path = _place(stack, value) if stack else ()
        lines.setdefault(path, _line(event))
        if isinstance(value, dict | list):
            stack.append(_Open(value, path))
        elif not stack:
            result = value
    return result, lines


def _take_key(source: str, parent: _Open, event: Any, key: Any, lines: dict[Path, int]) -> None:
    if not isinstance(event, yaml.ScalarEvent):
        raise _invalid(source, event, "a key must be a plain value, not a list or a mapping")
    try:
        hash(key)
    except TypeError:
        raise _invalid(source, event, "a key must be a plain value") from None
    path = (*parent.path, key)
    if key in parent.value:
        raise BankError(f"{source}, line {_line(event)}, field `{dotted(path)}`: this key appears twice")
    lines[path] = _line(event)
    parent.key, parent.has_key = key, True


def _place(stack: list[_Open], value: Any) -> Path:
    parent = stack[-1]
    if isinstance(parent.value, dict):
        parent.value[parent.key] = value
        parent.has_key = False
        return (*parent.path, parent.key)
    parent.value.append(value)
    return (*parent.path, len(parent.value) - 1)


def _scalar(source: str, event: Any) -> Any:
    tag = event.tag
    if tag in (None, "!"):
        tag = _RESOLVER.resolve(yaml.ScalarNode, event.value, event.implicit)
    constructor = _CONSTRUCTOR.yaml_constructors.get(tag)
    if constructor is None or tag in (_MAP, _SEQ):
        raise _invalid(source, event, f"the tag {tag} is not allowed")
    node = yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark, event.style)
    return constructor(_CONSTRUCTOR, node)
