"""Decoding XML into the same objects as JSON. Not public API.

.NET DataContract XML writes one element per object, element names equal to the JSON
property names, and arrays as wrapper elements (``<ArrayOfImagePerformance>``). OpenAPI's
own XML defaults are read too: an array's items repeated as elements of the property's
name, and properties written as attributes. The parser refuses any DTD, so neither entity
expansion nor external entities can happen.
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
        # Properties the spec puts in attributes (xml.attribute) come by the same names.
        found: dict[str, Any] = {k: v for k, v in node.attrs.items() if k in fields}
        named: dict[str, list[_Node]] = {}
        for child in node.children:
            if child.tag in fields:
                named.setdefault(child.tag, []).append(child)
        for tag, children in named.items():
            value = _property(children, fields[tag])
            if value is not _ABSENT:
                found[tag] = value
        return found
    if isinstance(t, mi.DictType) or (isinstance(t, mi.AnyType) and node.children):
        # A map, or a free-form object: each child element is an entry (the last of
        # a repeated name wins).
        item = t.value_type if isinstance(t, mi.DictType) else t
        return {child.tag: _value(child, item) for child in node.children}
    return "".join(node.text)


def _property(children: list[_Node], t: mi.Type) -> Any:
    """A property from its elements: an array is a wrapper of items (.NET's way, and
    OpenAPI's ``wrapped: true``), or its items themselves, each an element of the
    property's name (OpenAPI's default)."""
    listed = _unwrap(t)
    if isinstance(listed, mi.ListType) and (
        len(children) > 1 or _is_item(children[0], listed.item_type)
    ):
        return [_value(child, listed.item_type) for child in children]
    last = children[-1]
    if _empty(last) and not isinstance(
        listed, mi.StrType | mi.StructType | mi.ListType
    ):
        return _ABSENT  # <count></count>: no number, no date, no flag; as if left out
    return _value(last, t)


_ABSENT = object()


def _empty(node: _Node) -> bool:
    return not node.children and not node.attrs and not "".join(node.text).strip()


def _is_item(node: _Node, t: mi.Type) -> bool:
    """Whether an array property's one element is an item rather than a wrapper: an
    object whose own properties it holds, or a value written as text."""
    t = _unwrap(t)
    if isinstance(t, mi.StructType):
        names = {f.encode_name for f in t.fields}
        return any(c.tag in names for c in node.children) or bool(
            names & set(node.attrs)
        )
    if isinstance(t, mi.ListType):
        return False
    return not node.children and bool("".join(node.text).strip())


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
