"""A YAML spec read keeping where every value and key is written (and a JSON spec whose
duplicate keys or size json cannot place): composed by PyYAML, walked for places.

Its own module so that a JSON spec, the common case for big ones, is read without
importing PyYAML.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from ..diagnostics import Diagnostic, GenerationError, Location, Severity
from . import syntax
from .document import MAX_DEPTH, MAX_NODES, Budget, Positions, escape

_BaseLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_BaseLoader):  # type: ignore[valid-type,misc]
    """Safe YAML for specs: keys keep their spelling (``on:`` stays "on", ``200:`` "200"),
    timestamps stay strings, and only true/false are booleans, as in YAML 1.2 and JSON."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        self.flatten_mapping(node)
        mapping: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise yaml.constructor.ConstructorError(
                    None, None, "a mapping key must be a plain value", key_node.start_mark
                )
            mapping[key_node.value] = self.construct_object(value_node, deep=deep)
        return mapping


_BOOL = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
_Loader.yaml_implicit_resolvers = {
    first: [
        (tag, _BOOL if tag == "tag:yaml.org,2002:bool" else rx)
        for tag, rx in resolvers
        if tag != "tag:yaml.org,2002:timestamp"
    ]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
# YAML cannot read escaped surrogate pairs in JSON; their text does not matter for places.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89abAB][0-9a-fA-F]{2}")


class Walker:
    """Records where each value starts and finds duplicate keys, by JSON pointer."""

    def __init__(self, display: str, limit: int = MAX_NODES) -> None:
        self.display = display
        self.limit = limit  # the values the spec may still have, its other files counted
        self.positions: dict[str, tuple[int, int]] = {}
        self.keys: dict[str, tuple[int, int]] = {}
        self.problems: list[Diagnostic] = []
        self.visited = 0

    def walk(self, node: yaml.Node, pointer: str, depth: int = 0) -> None:
        self.visited += 1
        if self.visited > self.limit:
            # Aliases can make a small file expand exponentially ("billion laughs").
            raise GenerationError(
                [self._at(node, pointer, f"spec expands to over {MAX_NODES:,} values")]
            )
        self.positions[pointer] = (node.start_mark.line + 1, node.start_mark.column + 1)
        if depth > MAX_DEPTH and isinstance(node, yaml.CollectionNode):
            raise GenerationError(
                [self._at(node, pointer, f"nested more than {MAX_DEPTH} levels deep")]
            )
        if isinstance(node, yaml.MappingNode):
            seen: set[str] = set()
            for key, value in node.value:
                name = str(key.value)
                child = f"{pointer}/{escape(name)}"
                self.keys[child] = (key.start_mark.line + 1, key.start_mark.column + 1)
                if name in seen and name != "<<":
                    self.problems.append(self._at(key, child, f"duplicate key {name!r}"))
                seen.add(name)
                self.walk(value, child, depth + 1)
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                self.walk(item, f"{pointer}/{index}", depth + 1)

    def _at(self, node: yaml.Node, pointer: str, message: str) -> Diagnostic:
        mark = node.start_mark
        return Diagnostic(
            Severity.ERROR, Location(self.display, mark.line + 1, mark.column + 1, pointer), message
        )


def _compose(text: str, display: str, budget: Budget, *, construct: bool) -> tuple[Any, Walker]:
    """Compose ``text``, walk it for positions and duplicates, and construct it if asked."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        walker = Walker(display, budget.values)
        if node is not None:
            walker.walk(node, "")
        data = loader.construct_document(node) if node is not None and construct else None
    finally:
        loader.dispose()
    budget.spend_values(walker.visited)
    return data, walker


def parse(
    text: str, display: str, budget: Budget, *, json_data: Any = None
) -> tuple[Any, Positions, Positions]:
    """Parse YAML keeping positions; for JSON, ``json_data`` is the document already read."""
    if json_data is not None:
        # YAML cannot read escaped surrogate pairs; their text does not matter for positions.
        text = _SURROGATE_ESCAPE.sub("xxxxxx", text)
    try:
        data, walker = _compose(text, display, budget, construct=json_data is None)
    except yaml.YAMLError as exc:
        if json_data is None:
            raise syntax.yaml_error(exc, display, text, _BaseLoader) from None
        # Valid JSON that YAML misreads (or nests past libyaml's limit): no positions.
        deep = syntax.too_deep(display, text, MAX_DEPTH)
        if deep is not None:
            raise GenerationError([deep]) from None
        return json_data, {}, {}
    if walker.problems:
        raise GenerationError(walker.problems)
    return (data if json_data is None else json_data), walker.positions, walker.keys
