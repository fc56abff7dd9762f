"""Mistakes with one obvious reading, read that way with a located warning.

Real specs carry mistakes that made openapi-spec-validator refuse them although what they
mean is clear. Each class below is read one way, said in a warning at the value's place
(``--strict`` makes them errors), and hidden from the validator, which judges the rest:

- a ``default`` or ``example`` that breaks its own schema is dropped;
- a ``pattern`` in ECMA-262 syntax Python's ``re`` cannot compile (``\\p{L}``) is kept in
  the spec and never checked (the client checks no pattern);
- a Swagger 2.0 schema written with OpenAPI 3 keywords (``oneOf``, ``anyOf``, ``nullable``,
  a list of types) is read as OpenAPI 3 reads it;
- an ``enum`` listing a value twice lists it once;
- a path written with its query string (``/rides?page={page}``) is the path alone;
- ``type`` holding a schema (``type: {type: string, enum: [...]}``) is that schema;
- a ``pattern`` that is a number (``pattern: 0``) is dropped;
- a 3.1 schema's ``examples`` that is not a list (OpenAPI's Examples map) is dropped;
- a key an OpenAPI object does not define, and that is no ``x-`` extension, is ignored,
  but a schema's JSON Schema keyword of OpenAPI 3.1's dialect (``const`` in 3.0) is read as
  3.1 reads it (the validator finds them: ``validate`` passes their pointers as ``unknown``).

Duplicate operationIds are the fourth class; the build renames them (``build/api.py``).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Collection, Iterable, Iterator
from typing import Any, NamedTuple

from .. import urlpath
from ..diagnostics import Diagnostic, Severity
from . import ecma, edits, ledger, objects, values
from .document import LoadedSpec, escape, unescape

# Values that are data, never schemas or keywords.
_DATA = frozenset({"example", "examples", "default", "enum", "const"})
# Outside schemas: maps whose keys are names the spec chose, not keywords.
_NAMED = frozenset(
    {
        "paths",
        "webhooks",
        "responses",
        "parameters",
        "requestBodies",
        "headers",
        "content",
        "securitySchemes",
        "securityDefinitions",
        "variables",
        "callbacks",
        "links",
        "encoding",
        "mapping",
    }
)
# Inside a schema: where its subschemas are.
_ONE = frozenset(objects.SCHEMA_ONE)
_LISTS = frozenset(objects.SCHEMA_LISTS)
_MAPS = frozenset(objects.SCHEMA_MAPS)
# JSON Schema keywords of OpenAPI 3.1's dialect that OpenAPI 3.0 and Swagger 2.0 lack.
_LATER_KEYWORDS = frozenset(
    {"const", "examples", "prefixItems", "contains", "minContains", "maxContains", "if"}
    | {"then", "else", "dependentRequired", "dependentSchemas", "dependencies"}
    | {"propertyNames", "unevaluatedProperties", "unevaluatedItems", "patternProperties"}
    | {"$defs", "$id", "$schema", "$anchor", "$comment", "contentMediaType"}
    | {"contentEncoding", "contentSchema"}
)
# OpenAPI 3.0's schema keywords that Swagger 2.0 lacks: those check_swagger reads (only
# when well-formed), and the others.
_OPENAPI3_READ = frozenset({"oneOf", "anyOf", "nullable", "discriminator"})
_OPENAPI3_LATER = frozenset({"not", "writeOnly", "deprecated"})
_SIMPLE_IN = ("query", "header", "path", "formData")  # Swagger 2.0 parameters without a schema


class Node:
    """A schema found in the document; ``simple``: a Swagger 2.0 parameter, header or their
    ``items``, which carry schema keywords without being Schema Objects. Its pointer is
    spelled out only when asked for (a warning, an edit): most never are."""

    __slots__ = ("_pointer", "_where", "simple", "value")

    def __init__(self, where: objects.Where, value: dict[str, Any], simple: bool) -> None:
        self._where, self.value, self.simple = where, value, simple
        self._pointer: str | None = None

    @property
    def pointer(self) -> str:
        if self._pointer is None:
            self._pointer = objects.spelled("", self._where)
        return self._pointer


# What is left to walk: (a schema?, the value, where it is, named: a map of names /
# simple: a Swagger 2.0 parameter or header).
_Task = tuple[bool, Any, objects.Where, bool]
_CONTAINERS = (dict, list)
_COMPONENTS = (None, "components")


def schema_nodes(document: dict[str, Any]) -> Iterator[Node]:
    """Every schema of the document, in document order, where it is written ($refs are
    not followed, so each is found once)."""
    swagger = "swagger" in document
    for task in pieces(document, swagger):
        yield from _walk(task, swagger)


def pieces(document: dict[str, Any], swagger: bool) -> Iterator[_Task]:
    """What the walk of the whole document walks from the parts (``ledger``): the root
    and the sections expanded as the walk expands them, in document order."""
    pending: list[_Task] = [(False, document, None, False)]
    while pending:
        task = pending.pop()
        is_schema, value, where, flag = task
        if not is_schema and ledger.section(where):
            pending.extend(reversed(_outside(value, where, swagger, flag)))
        else:
            yield task


def _walk(start: _Task, swagger: bool) -> Iterator[Node]:
    """The schemas from ``start`` on. A loop over a stack of what is left to walk (nested
    generators cost GitHub's description a second)."""
    stack: list[_Task] = [start]
    while stack:
        is_schema, value, where, flag = stack.pop()
        inner = (
            _in_schema(value, where, flag) if is_schema else _outside(value, where, swagger, flag)
        )
        if is_schema and isinstance(value, dict):
            yield Node(where, value, flag)
        stack.extend(reversed(inner))


def _outside(value: Any, where: objects.Where, swagger: bool, named: bool) -> list[_Task]:
    """What to walk under a value that is not itself a schema."""
    if isinstance(value, list):
        return [(False, item, (where, i), False) for i, item in enumerate(value)]
    if not isinstance(value, dict):
        return []
    if swagger and not named and value.get("in") in _SIMPLE_IN and "type" in value:
        return [(True, value, where, True)]
    found: list[_Task] = []
    for key, item in value.items():
        if not isinstance(item, _CONTAINERS):
            continue
        child = (where, key)
        if named:
            found.append((False, item, child, False))
        elif key in _DATA or str(key).startswith("x-"):
            continue
        elif key == "schema":
            found.append((True, item, child, False))
        elif (key == "definitions" and where is None) or (
            key == "schemas" and where == _COMPONENTS
        ):
            for name, schema in item.items() if isinstance(item, dict) else ():
                found.append((True, schema, (child, name), False))
        elif key == "headers" and swagger and isinstance(item, dict):
            for name, header in item.items():
                found.append((True, header, (child, name), True))
        else:
            found.append((False, item, child, key in _NAMED))
    return found


def _in_schema(value: Any, where: objects.Where, simple: bool) -> list[_Task]:
    """The subschemas of a schema, to walk."""
    if not isinstance(value, dict):
        return []
    found: list[_Task] = []
    for key, item in value.items():
        if not isinstance(item, _CONTAINERS):
            continue
        child = (where, key)
        if key in _ONE and isinstance(item, list):  # draft 4's tuple form of items
            found += [(True, part, (child, i), simple) for i, part in enumerate(item)]
        elif key in _ONE or (key in _MAPS and not isinstance(item, dict)):
            found.append((True, item, child, simple))
        elif key in _LISTS and isinstance(item, list):
            found += [(True, part, (child, i), simple) for i, part in enumerate(item)]
        elif key in _MAPS and isinstance(item, dict):
            found += [(True, part, (child, n), simple) for n, part in item.items()]
    return found


class Reading(NamedTuple):
    """The document read leniently: what the validator is shown, what is built, and why."""

    shown: dict[str, Any]  # for openapi-spec-validator: every relaxed mistake taken out
    kept: dict[str, Any]  # for the build: the defaults and examples that break their schema dropped
    moved: dict[str, str]  # pointers of ``shown`` that stand elsewhere in the file
    warnings: list[Diagnostic]


class _Finder:
    """Finds the relaxed mistakes of one document and the edits that read them."""

    def __init__(self, spec: LoadedSpec) -> None:
        self.spec = spec
        self.swagger = "swagger" in spec.document
        self.v31 = str(spec.document.get("openapi", "")).startswith("3.1.")
        self.values: values.Judge | None = None
        self.warnings: list[Diagnostic] = []
        self.dropped: list[tuple[str, str]] = []  # (schema pointer, key) not built
        self.hidden: list[tuple[str, str]] = []  # ... and not shown to the validator
        self.hoisted: list[tuple[str, str]] = []  # 2.0 alternatives shown as definitions
        self.replaced: list[tuple[str, str, Any]] = []  # (schema pointer, key, new value)
        self.renamed: dict[str, str] = {}  # path keys written with a query string
        self.said: list[tuple[str, str]] = []  # each warning's pointer and message
        # What the value checks of the piece being walked read through $refs, and
        # whether the reference validator judged one (its reading is not known).
        self.deps: list[str] = []
        self.exact = True

    def drop(self, at: str, key: str, message: str) -> None:
        """``key`` of the object at ``at`` neither built nor shown to the validator."""
        self.dropped.append((at, key))
        self.hidden.append((at, key))
        self.warn(f"{at}/{escape(key)}", message)

    def warn(self, pointer: str, message: str) -> None:
        """A warning at ``pointer``, in the file as written."""
        where = self.spec.locate(pointer)
        self.warnings.append(Diagnostic(Severity.WARNING, where, message))
        self.said.append((pointer, message))

    def mark(self) -> tuple[int, ...]:
        """Where the lists of findings end now: ``since`` takes what is found after."""
        self.deps, self.exact = [], True
        lists: tuple[list[Any], ...] = (
            self.dropped,
            self.hidden,
            self.hoisted,
            self.replaced,
            self.said,
        )
        return tuple(map(len, lists))

    def context(self, task: _Task) -> str:
        """What the findings in the piece ``task`` starts also depend on."""
        return f"{self.swagger:d}{self.v31:d}{task[0]:d}{task[3]:d}"

    def since(
        self, mark: tuple[int, ...], context: str, book: ledger.Ledger
    ) -> ledger.Findings | None:
        """What was found since ``mark``, with the parts it read (their fingerprints from
        ``book``); None when the reference validator judged a value (what it read is not
        known), or a check read the whole document."""
        if not self.exact:
            return None
        deps = sorted({ledger.part_of(ref[1:]) for ref in self.deps})
        if "" in deps:
            return None
        d, h, o, r, w = mark
        return ledger.Findings(
            context,
            tuple((p, book.print_at(p)) for p in deps),
            tuple(self.dropped[d:]),
            tuple(self.hidden[h:]),
            tuple(self.hoisted[o:]),
            tuple(self.replaced[r:]),
            tuple(self.said[w:]),
        )

    def replay(self, found: ledger.Findings) -> None:
        """Findings recorded by an earlier run, as if found again."""
        self.dropped += found.dropped
        self.hidden += found.hidden
        self.hoisted += found.hoisted
        self.replaced += found.replaced
        for pointer, message in found.said:
            self.warn(pointer, message)

    def check(self, node: Node) -> None:
        """Every relaxed mistake of one schema."""
        schema = node.value
        for key in ("default", "example"):
            if key in schema and not (node.simple and key == "example"):
                self.check_value(node, key)
        if isinstance(schema.get("enum"), list):
            self.check_enum(node, schema["enum"])
        if isinstance(schema.get("type"), dict) and not node.simple:
            self.check_type_schema(node, schema["type"])
        pattern = schema.get("pattern")
        if isinstance(pattern, str):
            self.check_pattern(node, pattern)
        elif "pattern" in schema and isinstance(pattern, int | float) and not node.simple:
            message = f"pattern {pattern!r} is a number, not a regular expression; dropped"
            self.drop(node.pointer, "pattern", message)
        if self.swagger and not node.simple:
            self.check_swagger(node)
        if self.v31 and "examples" in schema:
            self.check_examples(node)

    def ignore(self, pointer: str, schemas: set[str]) -> None:
        """A key that its OpenAPI object does not define, and that is no extension: in a
        schema, a JSON Schema keyword of a later dialect is read as that dialect reads it
        (``const`` in OpenAPI 3.0); any other is ignored."""
        parent, _, token = pointer.rpartition("/")
        key = unescape(token)
        if self.swagger and parent in schemas and key in _OPENAPI3_READ:
            return  # read by check_swagger when well-formed; the validator judges the rest
        later = _LATER_KEYWORDS | (_OPENAPI3_LATER if self.swagger else frozenset())
        if parent in schemas and key in later:
            version = "Swagger 2.0" if self.swagger else "OpenAPI 3.0"
            self.hidden.append((parent, key))
            self.warn(
                pointer,
                f"'{key}' is JSON Schema that {version} does not define; read as in OpenAPI 3.1",
            )
            return
        message = f"{key!r} is not a field OpenAPI defines here, nor an extension (x-...); ignored"
        self.drop(parent, key, message)

    def check_examples(self, node: Node) -> None:
        """OpenAPI 3.1's ``examples`` in a schema is JSON Schema's: a list of values. A map
        (OpenAPI's Examples of a media type, written one level too deep) is documentation
        that cannot be read as such."""
        examples = node.value["examples"]
        if not isinstance(examples, list):
            message = (
                f"a schema's examples must be a list of values, not {_kind(examples)}; dropped"
            )
            self.drop(node.pointer, "examples", message)

    def check_pattern(self, node: Node, pattern: str) -> None:
        """A pattern in ECMA-262 syntax Python cannot compile is not checked (nor shown to
        the validator, which compiles it with Python); a broken one is left to it."""
        reason = ecma.compile_error(pattern)
        if reason and ecma.only_ecma(pattern):
            self.hidden.append((node.pointer, "pattern"))
            self.warn(
                f"{node.pointer}/pattern",
                f"pattern uses ECMA-262 syntax that Python's re cannot compile ({reason});"
                " kept, but never checked",
            )

    def check_paths(self) -> None:
        """A path written with a query string (``/rides?page={page}``) is the path alone;
        the parameters stay as declared (``query_paths``: when several share it)."""
        paths = self.spec.document.get("paths")
        if not isinstance(paths, dict):
            return
        for key, target in query_paths(paths).items():
            path, _, query = urlpath.partition(key, "?")
            self.renamed[key] = target
            self.warn(
                f"/paths/{escape(str(key))}",
                f"a path holds a query string ('?{query}'); read as {path!r}, with"
                " the parameters it names in the query",
            )
            self.query_templates(f"/paths/{escape(str(key))}", paths[key], query)

    def query_templates(self, at: str, item: Any, query: str) -> None:
        """``?key={apiKey}`` in a path names a query parameter ``key`` whose value is the
        parameter ``apiKey``: one declared ``in: path`` is read as that query parameter.
        ``?{search}=1`` (clicksend.com) names the parameter ``search`` itself."""
        wires: dict[str, str] = {}
        for name, _, template in (pair.partition("=") for pair in query.split("&")):
            if template.startswith("{") and template.endswith("}"):
                wires[template[1:-1]] = name
            elif name.startswith("{") and name.endswith("}"):
                wires.setdefault(name[1:-1], name[1:-1])
        if not isinstance(item, dict):
            return
        lists = [(f"{at}/parameters", item.get("parameters"))] + [
            (f"{at}/{escape(str(k))}/parameters", op.get("parameters"))
            for k, op in item.items()
            if isinstance(op, dict)
        ]
        for where, params in lists:
            for index, param in enumerate(params if isinstance(params, list) else []):
                if not isinstance(param, dict) or param.get("in") != "path":
                    continue
                wire = wires.get(str(param.get("name")))
                if wire is not None:
                    self.replaced.append(
                        (where, str(index), {**param, "in": "query", "name": wire})
                    )

    def check_type_schema(self, node: Node, inner: dict[str, Any]) -> None:
        """``type: {type: string, enum: [...]}``, a schema written one level too deep, is
        that schema (beside the outer one's other keywords)."""
        if not isinstance(inner.get("type"), str | list) or not node.pointer:
            return
        parent, _, key = node.pointer.rpartition("/")
        outer = {k: v for k, v in node.value.items() if k != "type"}
        self.replaced.append((parent, key, {**outer, **inner}))
        self.warn(
            f"{node.pointer}/type",
            "'type' holds a schema, not the name of a type; read as that schema",
        )

    def check_enum(self, node: Node, values: list[Any]) -> None:
        """An enum that lists a value twice lists it once (JSON equality: 1 is not true)."""
        if all(type(value) is str for value in values) and len(set(values)) == len(values):
            return  # most enums: text, each listed once
        spelled = [json.dumps(value, sort_keys=True) for value in values]
        twice = sorted(k for k, n in Counter(spelled).items() if n > 1)
        if twice:
            once = dict(zip(spelled, values, strict=True))
            self.replaced.append((node.pointer, "enum", [once[k] for k in dict.fromkeys(spelled)]))
            self.warn(
                f"{node.pointer}/enum",
                f"enum lists {', '.join(twice)} more than once; read as listed once",
            )

    def check_value(self, node: Node, key: str) -> None:
        """A default or example that breaks its schema is dropped."""
        if self.values is None:
            self.values = values.Judge(self.spec.document)
        plain = self.values.plain
        plain.reads = self.deps  # the $refs followed, for the ledger
        try:
            told = self.values.certain(node.value, node.value[key])
        finally:
            plain.reads = None
        if told is None:
            self.exact = False
            told = self.values.by_validator(node.value, node.value[key])
        reason = told
        if reason:
            self.drop(node.pointer, key, f"{key} does not match its schema ({reason}); dropped")

    def check_swagger(self, node: Node) -> None:
        """OpenAPI 3 keywords in a Swagger 2.0 schema are read as OpenAPI 3 reads them."""
        schema, at = node.value, node.pointer
        for keyword in ("oneOf", "anyOf"):
            if isinstance(schema.get(keyword), list):
                self.hoisted.append((at, keyword))
                self.warn(
                    f"{at}/{keyword}",
                    f"'{keyword}' is OpenAPI 3 syntax, not Swagger 2.0; read as in OpenAPI 3",
                )
        if isinstance(schema.get("nullable"), bool):
            self.hidden.append((at, "nullable"))
            self.warn(
                f"{at}/nullable",
                "'nullable' is OpenAPI 3 syntax, not Swagger 2.0 (which says x-nullable);"
                " read as in OpenAPI 3",
            )
        kinds = schema.get("type")
        if isinstance(kinds, list) and all(isinstance(k, str) for k in kinds):
            self.warn(
                f"{at}/type",
                f"a list of types ({', '.join(kinds)}) is OpenAPI 3.1 syntax, not Swagger 2.0;"
                " read as in OpenAPI 3.1",
            )

    def reading(self) -> Reading:
        """The document shown to the validator and the one built, with the warnings."""
        document = self.spec.document
        shown, moved = edits.edited(document, self.hidden, self.hoisted, self.replaced)
        kept, _ = edits.edited(document, self.dropped, [], self.replaced)
        if self.renamed:  # last: every other edit is at a pointer of the file as written
            shown, kept = edits.renamed(shown, self.renamed), edits.renamed(kept, self.renamed)
            for old, new in self.renamed.items():
                moved[f"/paths/{escape(new)}"] = f"/paths/{escape(old)}"
        return Reading(shown, kept, moved, self.warnings)


def read(
    spec: LoadedSpec, unknown: Collection[str] = (), book: ledger.Ledger | None = None
) -> Reading:
    """The relaxed mistakes of ``spec``: their warnings, and the document with them read.
    ``unknown``: pointers of keys the validator found in objects that do not define them.
    ``book``: what the last run found in each part, taken where the part is as it was."""
    finder = _Finder(spec)
    finder.check_paths()
    if book is not None and not book.reads(spec.document):
        book = None
    schemas: set[str] = set()  # their pointers, needed only to tell where unknown keys are
    for task in pieces(spec.document, finder.swagger):
        pointer = objects.spelled("", task[2]) if book is not None else ""
        context = finder.context(task)
        found = book.findings(pointer, task[1], context) if book and not unknown else None
        if found is not None:
            finder.replay(found)
            continue
        mark = finder.mark()
        for node in _walk(task, finder.swagger):
            finder.check(node)
            if unknown and not node.simple:
                schemas.add(node.pointer)
        if book is not None and (findings := finder.since(mark, context, book)) is not None:
            book.note_findings(pointer, task[1], findings)
    for pointer in sorted(unknown, key=lambda p: spec.locate(p)[1:3]):  # as written
        finder.ignore(pointer, schemas)
    return finder.reading()


def _kind(value: Any) -> str:
    """A JSON value's kind, with its article."""
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    return "a string" if isinstance(value, str) else "a number"


def query_paths(paths: Iterable[Any]) -> dict[str, str]:
    """Each path key written with a query string, and the key it is read as: the path
    alone; where another has that already (weatherbit.io's /current/airquality?city_id=
    {city_id}, ?lat={lat}&lon={lon}, ...), the path with a fragment telling them apart,
    which no request carries (build/api.py)."""
    keys = [str(k) for k in paths]
    taken, found = set(keys), {}
    for key in keys:
        path, mark, query = urlpath.partition(key, "?")
        if mark:
            found[key] = path if path not in taken else _query_key(path, query, taken)
            taken.add(found[key])
    return found


def _query_key(path: str, query: str, taken: Collection[str]) -> str:
    """``path#apiforge-query-<the names in the query>``, unique among ``taken``."""
    named = [re.sub(r"[^A-Za-z0-9_]", "", p.partition("=")[0]) for p in query.split("&")]
    key = f"{path}#{urlpath.QUERY_MARK}{'-'.join(n for n in named if n) or 'q'}"
    found, count = key, 1
    while found in taken:
        count += 1
        found = f"{key}-{count}"
    return found
