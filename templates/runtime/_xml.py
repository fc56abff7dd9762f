"""Decoding .NET DataContract XML into the same objects as JSON. Not public API.

The service writes one element per object, element names equal to the JSON property
names, and arrays as wrapper elements (``<ArrayOfImagePerformance>``). The parser refuses
any DTD, so neither entity expansion nor external entities can happen.
"""

from __future__ import annotations

from typing import Any
from xml.parsers import expat

import msgspec
import msgspec.inspect as mi

_NIL = "{http://www.w3.org/2001/XMLSchema-instance}nil"


class XmlError(ValueError):
    """The body is not well-formed, or uses a DTD."""


class _Node:
    __slots__ = ("attrs", "children", "tag", "text")

    def __init__(self, tag: str, attrs: dict[str, str]) -> None:
        self.tag = tag.rsplit("}", 1)[-1]
        self.attrs = attrs
        self.children: list[_Node] = []
        self.text: list[str] = []


def _refuse_dtd(*_: Any) -> Any:
    raise XmlError("XML with a DTD is refused")


def parse(body: bytes) -> _Node:
    """Parse ``body`` into a small tree; namespaces are kept only on attribute names."""
    parser = expat.ParserCreate(namespace_separator="}")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartDoctypeDeclHandler = _refuse_dtd
    parser.EntityDeclHandler = _refuse_dtd
    parser.ExternalEntityRefHandler = _refuse_dtd
    stack: list[_Node] = []
    roots: list[_Node] = []

    def start(tag: str, attrs: dict[str, str]) -> None:
        attrs = {("{" + k if "}" in k else k): v for k, v in attrs.items()}
        node = _Node(tag, attrs)
        (stack[-1].children if stack else roots).append(node)
        stack.append(node)

    def end(_tag: str) -> None:
        stack.pop()

    def data(text: str) -> None:
        if stack:
            stack[-1].text.append(text)

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = data
    try:
        parser.Parse(body, True)
    except expat.ExpatError as exc:
        raise XmlError(f"malformed XML: {exc}") from None
    return roots[0]


def _unwrap(t: mi.Type) -> mi.Type:
    """``X | None`` → ``X``; XML marks absence with ``nil`` instead."""
    if isinstance(t, mi.UnionType):
        rest = [u for u in t.types if not isinstance(u, mi.NoneType)]
        if len(rest) == 1:
            return rest[0]
    return t


def _items(node: _Node) -> list[_Node]:
    """An array wrapper's items: its children of the commonest name (strays are skipped)."""
    tags = [child.tag for child in node.children]
    common = max(set(tags), key=lambda tag: (tags.count(tag), tag)) if tags else ""
    return [child for child in node.children if child.tag == common]


def _value(node: _Node, t: mi.Type) -> Any:
    if node.attrs.get(_NIL) in ("true", "1"):
        return None
    t = _unwrap(t)
    if isinstance(t, mi.ListType):
        return [_value(child, t.item_type) for child in _items(node)]
    if isinstance(t, mi.StructType):
        fields = {f.encode_name: f.type for f in t.fields}
        return {
            child.tag: _value(child, fields[child.tag])
            for child in node.children
            if child.tag in fields
        }
    return "".join(node.text)


_TYPE_INFO: dict[Any, mi.Type] = {}


def _type_info(t: Any) -> mi.Type:
    if t not in _TYPE_INFO:
        _TYPE_INFO[t] = mi.type_info(t)
    return _TYPE_INFO[t]


def decode(body: bytes, t: Any, dec_hook: Any = None) -> Any:
    """Decode an XML body into ``t`` (a model, or a list of models)."""
    root = parse(body)
    info = _type_info(t)
    if isinstance(_unwrap(info), mi.ListType) and not root.tag.startswith("ArrayOf"):
        raise XmlError(
            f"expected an ArrayOf... root element for a list, got <{root.tag}>"
        )
    builtins = _value(root, info)
    # strict=False turns the XML's text into numbers and booleans where the schema says so.
    return msgspec.convert(builtins, t, strict=False, dec_hook=dec_hook)
