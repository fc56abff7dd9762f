"""Schemas to IR types: models, enums, unions and the types of fields and parameters.

Part of the build stage. A ``SchemaBuilder`` builds each schema once and names every model,
enum and union through its ``BuildContext``; unsupported constructs are reported there as
located errors, never dropped silently; ``untagged`` works out what tells the alternatives
of a union without a discriminator apart. The same code reads Swagger 2.0 (after
``upgrade``), OpenAPI 3.0 and 3.1 schemas: where their spellings differ (``nullable`` or
``type: [..., "null"]``), both are understood here.
"""

from __future__ import annotations

import json
import re
from functools import partial
from typing import Any

from .. import ir, names
from ..load.document import escape
from . import untagged
from .context import BuildContext
from .keywords import described, flag, null_part, nullable, only_null, text_of, types_of
from .replay import Replay, Table

_STRING_FORMATS = {
    "uuid": ir.Primitive.UUID,
    "date-time": ir.Primitive.DATETIME,
    "date": ir.Primitive.DATE,
    "binary": ir.Primitive.BYTES,
}
_SCALARS = {"integer": ir.Primitive.INT, "number": ir.Primitive.FLOAT, "boolean": ir.Primitive.BOOL}
_ANY = ir.PrimitiveType(ir.Primitive.ANY)
# What msgspec refuses in a field's wire name: a quote, a backslash, a control character.
_UNMAPPABLE = re.compile(r'["\\\x00-\x1f]')


class SchemaBuilder:
    """Turns schemas into IR types, keeping every model, enum and union it makes."""

    def __init__(self, ctx: BuildContext) -> None:
        self.ctx = ctx
        # Every table a component schema's building reads or writes tells ``ctx.log``.
        log = ctx.log
        self.models: Table[ir.Model] = Table("models", log)
        self.enums: Table[ir.Enum] = Table("enums", log)
        self.unions: Table[ir.Union] = Table("unions", log)
        self.untagged: Table[untagged.Pending] = Table("untagged", log)
        self.by_pointer: Table[ir.TypeRef] = Table("by_pointer", log)
        self.building: set[str] = set()  # named schemas whose type is being worked out
        # Named schemas that reached themselves, and the reference they were given.
        self.recursive: Table[ir.ModelRef | ir.UntaggedRef] = Table("recursive", log)
        self.ms_enums: Table[ir.EnumRef] = Table("ms_enums", log)  # x-ms-enum name → its enum
        self.bases: Table[ir.UnionRef] = Table("bases", log)  # polymorphic base → its union

    # -- named types ---------------------------------------------------------------
    def named_type(self, schema: Any, pointer: str) -> ir.TypeRef:
        """The type of a component schema, built once and cached by pointer.

        A model registers itself before its fields are built, so a tree gets its own class.
        Any other schema that reaches itself (through union members, array items or map
        values) is named when it does, and becomes a union of that name.
        """
        if pointer in self.by_pointer:
            return self.by_pointer[pointer]
        hint = pointer.rsplit("/", 1)[-1].replace("~1", "/").replace("~0", "~")
        if pointer in self.building and isinstance(schema, dict):
            return self.reached_itself(schema, pointer, hint)
        self.building.add(pointer)
        try:
            built = self.type_of(schema, pointer, hint)
        finally:
            self.building.discard(pointer)
        early = self.recursive.get(pointer)
        if isinstance(early, ir.UntaggedRef) and early.name not in self.untagged:
            # An array or map of itself: a union of that one alternative, named (of
            # anything, for a schema that is nothing but itself).
            only = _ANY if built == early else built
            built = self.register(early.name, schema, (only,), pointer, "type")
        self.by_pointer[pointer] = built
        return built

    def reached_itself(self, schema: dict[str, Any], pointer: str, hint: str) -> ir.TypeRef:
        """A reference to a named schema from inside its own members: its name, claimed
        now. An ``allOf`` model takes it when it is made; anything else is a union."""
        if pointer not in self.recursive:
            name = self.ctx.claim_class(hint)
            union = any(isinstance(schema.get(k), list) for k in ("oneOf", "anyOf"))
            parts = None if union else schema.get("allOf")  # what type_of looks at first
            model = isinstance(parts, list) and (len(parts) > 1 or schema.get("properties"))
            self.recursive[pointer] = ir.ModelRef(name) if model else ir.UntaggedRef(name)
        return self.recursive[pointer]

    # -- dispatch ------------------------------------------------------------------
    def type_of(self, schema: Any, pointer: str, hint: str) -> ir.TypeRef:
        """The IR type of ``schema``; ``hint`` names inline enums, models and unions."""
        if schema is True or schema == {}:
            return _ANY
        if not isinstance(schema, dict):
            return _ANY
        if "$ref" in schema:
            target, target_pointer = self.ctx.deref(schema, pointer)
            return self.polymorphic(target, target_pointer) or self.named_type(
                target, target_pointer
            )
        if "not" in schema:  # a constraint on values, not a type: documented, not enforced
            schema = {k: v for k, v in schema.items() if k != "not"}
        for keyword in ("oneOf", "anyOf"):
            if isinstance(schema.get(keyword), list):
                return self.alternatives(schema, keyword, pointer, hint)
        if isinstance(schema.get("allOf"), list):
            return self.all_of(schema, pointer, hint)
        if "const" in schema:
            return self.literal(schema["const"], f"{pointer}/const")
        if "enum" in schema:
            return self.enum(schema, pointer, hint)
        kinds = [t for t in types_of(schema) if t != "null"]
        if len(kinds) > 1:  # 3.1: type: [string, integer]
            options = [self.shape({**schema, "type": k}, pointer, hint) for k in kinds]
            return self.choice(schema, options, pointer, "type", hint)
        return self.shape(schema, pointer, hint)

    def shape(self, schema: dict[str, Any], pointer: str, hint: str) -> ir.TypeRef:
        """Types of schemas without references or combinators."""
        kinds = [t for t in types_of(schema) if t != "null"]
        kind = kinds[0] if kinds else None
        if kind == "array" and isinstance(schema.get("prefixItems"), list):
            return self.prefix_items(schema, pointer, hint)
        if kind == "array":
            items = schema.get("items")
            item = self.type_of(items, f"{pointer}/items", f"{hint} item")
            return ir.ArrayType(item, item != _ANY and self.allows_null(items, f"{pointer}/items"))
        implied = "properties" in schema or "additionalProperties" in schema
        if kind == "object" or (kind is None and implied):
            return self.object(schema, pointer, hint)
        if kind == "string" and "contentMediaType" in schema and "contentEncoding" not in schema:
            return ir.PrimitiveType(ir.Primitive.BYTES, "binary")  # 3.1's spelling of a file
        if kind == "string":
            fmt = schema.get("format")
            prim = _STRING_FORMATS.get(fmt, ir.Primitive.STR) if isinstance(fmt, str) else None
            return ir.PrimitiveType(prim or ir.Primitive.STR, fmt if isinstance(fmt, str) else None)
        if kind in _SCALARS:
            fmt = schema.get("format")
            return ir.PrimitiveType(_SCALARS[kind], fmt if isinstance(fmt, str) else None)
        return _ANY

    def prefix_items(self, schema: dict[str, Any], pointer: str, hint: str) -> ir.TypeRef:
        """3.1's ``prefixItems``: a tuple when nothing may follow the listed items and all
        of them must be there; else a list of what every position may hold."""
        prefix = schema["prefixItems"]
        items = tuple(
            self.type_of(s, f"{pointer}/prefixItems/{i}", f"{hint} {i}")
            for i, s in enumerate(prefix)
        )
        closed = schema.get("items") is False or schema.get("maxItems") == len(prefix)
        if closed and (schema.get("minItems", 0) >= len(prefix) or not prefix):
            return ir.TupleType(items)
        rest = schema.get("items")
        if rest not in (None, True, False):
            items += (self.type_of(rest, f"{pointer}/items", f"{hint} item"),)
        same = len(set(items)) == 1 and (closed or rest not in (None, True))
        return ir.ArrayType(items[0] if same else _ANY)

    # -- enums and literals --------------------------------------------------------
    def literal(self, value: Any, pointer: str) -> ir.TypeRef:
        """``const``: a ``Literal`` type (a float, which ``Literal`` cannot hold, is a
        plain ``float``)."""
        if isinstance(value, float):
            return ir.PrimitiveType(ir.Primitive.FLOAT)
        if isinstance(value, str | int | bool):
            return ir.LiteralType(value)
        self.ctx.error(pointer, "only scalar 'const' values are supported")
        return _ANY

    def enum(self, schema: dict[str, Any], pointer: str, hint: str) -> ir.TypeRef:
        """A string or integer enum, named by ``x-ms-enum``, its component or its place;
        other values (booleans, numbers, a mix) as their plain types (``null`` makes the
        value nullable, see ``keywords.nullable``)."""
        raw = schema["enum"]
        values = [v for v in raw if v is not None] if isinstance(raw, list) else []
        raw_ms_enum = schema.get("x-ms-enum")
        ms_enum: dict[str, Any] = raw_ms_enum if isinstance(raw_ms_enum, dict) else {}
        strings = all(isinstance(v, str) for v in values)
        ints = all(isinstance(v, int) and not isinstance(v, bool) for v in values)
        if not values or not (strings or ints):
            return plain_enum(values)
        shared = str(ms_enum.get("name") or "")
        known = self.ms_enums.get(shared)
        if known is not None and [m.value for m in self.enums[known.name].members] == values:
            return known  # Azure repeats one x-ms-enum at every property that uses it
        name = self.ctx.claim_class(shared or hint)
        wanted = [names.constant(v if isinstance(v, str) else f"VALUE_{v}") for v in values]
        members = tuple(
            ir.EnumMember(n, v) for n, v in zip(names.unique(wanted), values, strict=True)
        )
        is_open = ms_enum.get("modelAsString", True) is not False
        description = text_of(schema, "description")
        self.enums[name] = ir.Enum(name, description, members, pointer, open=is_open)
        ref = ir.EnumRef(name, integer=ints and not strings)
        if shared and shared not in self.ms_enums:
            self.ms_enums[shared] = ref
        return ref

    # -- objects -------------------------------------------------------------------
    def object(self, schema: dict[str, Any], pointer: str, hint: str) -> ir.TypeRef:
        """A model, or a map when the object has no properties of its own."""
        extra = schema.get("additionalProperties")
        patterns = schema.get("patternProperties")
        if extra is None and isinstance(patterns, dict) and patterns:
            # Keys matching patterns: a map; one pattern gives its values' type.
            only = next(iter(patterns.items())) if len(patterns) == 1 else None
            extra = only[1] if only else True
            if only:
                where = f"{pointer}/patternProperties/{escape(only[0])}"
                return self._map_or_model(schema, extra, where, pointer, hint)
        return self._map_or_model(schema, extra, f"{pointer}/additionalProperties", pointer, hint)

    def _map_or_model(
        self, schema: dict[str, Any], extra: Any, where: str, pointer: str, hint: str
    ) -> ir.TypeRef:
        """A map of ``extra`` values when there are no declared properties, else a model."""
        if not schema.get("properties") and extra not in (None, False):
            value = _ANY if extra is True else self.type_of(extra, where, f"{hint} value")
            return ir.MapType(value, value != _ANY and self.allows_null(extra, where))
        if isinstance(extra, dict) and extra:
            self.ctx.warn(where, "properties beyond the declared ones are not kept on the model")
        return self.model(schema, pointer, hint)

    def model(
        self,
        schema: dict[str, Any],
        pointer: str,
        hint: str,
        base: ir.Model | None = None,
        extra: tuple[tuple[dict[str, Any], str], ...] = (),
    ) -> ir.ModelRef:
        """An object schema as a model; fields in document order, ``base`` ones excluded."""
        early = self.recursive.get(pointer)
        ref = early if isinstance(early, ir.ModelRef) else ir.ModelRef(self.ctx.claim_class(hint))
        name = ref.name
        self.by_pointer[pointer] = ref
        description = text_of(schema, "description")
        # Reserve the place now so models come out in document order, not dependency order.
        self.models[name] = ir.Model(name, description, (), pointer)
        parts = ((schema, pointer), *extra)
        inherited = {f.wire_name for f in base.fields} if base else set()
        props: dict[str, tuple[Any, str]] = {}
        required: set[str] = set()
        listed: dict[str, str] = {}  # required names, where each is listed
        for part, where in parts:
            for wire, prop in part.get("properties", {}).items():
                props[wire] = (prop, f"{where}/properties/{escape(wire)}")
            required |= set(part.get("required", []))
            for index, wire in enumerate(part.get("required", [])):
                listed.setdefault(str(wire), f"{where}/required/{index}")
        for wire, where in listed.items():
            if wire not in props and wire not in inherited:  # required, never defined
                self.ctx.warn(where, f"required property {wire!r} is not defined; any value")
                props[wire] = ({}, where)
        own = [w for w in props if w not in inherited and self.mappable(wire=w, at=props[w][1])]
        taken = [f.name for f in base.fields] if base else []
        py_names = names.unique(taken + [names.snake(w) for w in own])[len(taken) :]
        fields = [
            self.field(wire, py, props[wire], wire in required, name)
            for wire, py in zip(own, py_names, strict=True)
        ]
        closed = schema.get("additionalProperties") is False
        self.models[name] = ir.Model(
            name, description, tuple(fields), pointer, base.name if base else None, closed
        )
        return ref

    def mappable(self, wire: str, at: str) -> bool:
        """Whether msgspec can name a field ``wire``; it refuses quotes, backslashes and
        control characters, which real specs hold only by mistake (``'calls"'``)."""
        if _UNMAPPABLE.search(wire):
            self.ctx.warn(
                at,
                f"property name {wire!r} holds a quote, backslash or control character,"
                " which msgspec cannot map to a field; left out of the model",
            )
            return False
        return True

    def field(
        self,
        wire: str,
        py: names.PythonIdentifier,
        prop: tuple[Any, str],
        required: bool,
        owner: str,
    ) -> ir.Field:
        """One model field."""
        schema, where = prop
        default = schema.get("default") if isinstance(schema, dict) else None
        example = schema.get("example") if isinstance(schema, dict) else None
        return ir.Field(
            wire_name=wire,
            name=py,
            type=self.type_of(schema, where, f"{owner} {wire}"),
            # A required writeOnly property is required in requests only: answers leave
            # it out (apideck's SharedLink.target_id), so it may be absent when decoding.
            required=required and not self.marked(schema, where, "writeOnly"),
            nullable=self.allows_null(schema, where),
            read_only=self.marked(schema, where, "readOnly"),
            description=described(schema),
            default=default if isinstance(default, str | int | float | bool) else None,
            example="" if example is None else json.dumps(example, ensure_ascii=False),
        )

    def marked(self, schema: Any, pointer: str, key: str) -> bool:
        """``readOnly: true`` (or ``writeOnly``) on the property, on the target of its
        ``$ref`` (apideck's ids are ``$ref: Id``, which is read-only), or on one of its
        ``allOf`` parts."""
        if not isinstance(schema, dict):
            return False
        if flag(schema, key):
            return True
        if "$ref" in schema:
            return flag(self.ctx.deref(schema, pointer)[0], key)
        parts = schema.get("allOf")
        return isinstance(parts, list) and any(
            self.marked(part, f"{pointer}/allOf/{i}", key) for i, part in enumerate(parts)
        )

    def allows_null(self, schema: Any, pointer: str) -> bool:
        """Whether a value of ``schema`` may be JSON null: the schema says so, or the
        target of its ``$ref`` does (``nullable: true`` there, null among its enum values),
        wherever the reference is used (a field, array items, map values)."""
        if not isinstance(schema, dict):
            return False
        if nullable(schema):
            return True
        return "$ref" in schema and nullable(self.ctx.deref(schema, pointer)[0])

    # -- composition ---------------------------------------------------------------
    def all_of(self, schema: dict[str, Any], pointer: str, hint: str) -> ir.TypeRef:
        """``allOf``: one part is that part; a model ref plus objects is inheritance."""
        parts = schema["allOf"]
        if null_part(schema):
            said = "allOf with a {type: null} part allows no value; read as nullable"
            self.ctx.warn(f"{pointer}/allOf", said)
        # Parts that only annotate (a description, ``nullable: false``) shape nothing, nor
        # does a null part (``keywords.null_part``).
        shaping = [(i, p) for i, p in enumerate(parts) if _shapes(p) and not only_null(p)]
        # ``required`` beside the parts (digitalocean.com's uptime check) requires their
        # fields: the one part alone would leave them optional.
        wanted = {str(r) for r in schema.get("required") or []}
        if not schema.get("properties"):
            if len(shaping) == 1 and not (wanted and self.objectish(shaping[0][1], pointer)):
                index, part = shaping[0]
                return self.type_of(part, f"{pointer}/allOf/{index}", hint)
            if not shaping:
                annotations = {k: v for k, v in schema.items() if k != "allOf"}
                return self.type_of(annotations, pointer, hint)
            scalar = self._scalar_parts([p for _, p in shaping], pointer)
            if scalar is not None:  # e.g. a string, and a string with a format
                return self.type_of(scalar, pointer, hint)
        bases: list[ir.Model] = []
        merged: list[tuple[dict[str, Any], str]] = []
        for index, part in enumerate(parts):
            where = f"{pointer}/allOf/{index}"
            target, target_pointer = self.ctx.deref(part, where)
            if "$ref" in part:
                named = self.named_type(target, target_pointer)
                if isinstance(named, ir.ModelRef) and named.name in self.models:
                    bases.append(self.models[named.name])
            merged.append((target, target_pointer if "$ref" in part else where))
        if len(bases) == 1 and self.inherits(bases[0], [*merged, (schema, pointer)], wanted):
            own = tuple(m for m in merged if m[1] != bases[0].pointer)
            return self.model(schema, pointer, hint, base=bases[0], extra=own)
        return self.model(schema, pointer, hint, extra=tuple(self.spread(merged, set())))

    def inherits(
        self, base: ir.Model, parts: list[tuple[dict[str, Any], str]], wanted: set[str]
    ) -> bool:
        """Whether an ``allOf`` may subclass ``base``: not when the schema or another part
        requires one of its optional fields, which a subclass could not make required, nor
        when it declares one of its fields again (sendgrid.com, flat.io: a field of another
        type, which a subclass could not override)."""
        redeclared: set[str] = set()
        for target, where in parts:
            if where != base.pointer and isinstance(target, dict):
                wanted = wanted | {str(r) for r in target.get("required") or []}
                properties = target.get("properties")
                redeclared |= set(properties) if isinstance(properties, dict) else set()
        inherited = self.lineage(base)
        if redeclared & {f.wire_name for f in inherited}:
            return False
        return not wanted & {f.wire_name for f in inherited if not f.required}

    def lineage(self, model: ir.Model) -> list[ir.Field]:
        """The fields of ``model`` and of the models it inherits from."""
        fields: list[ir.Field] = []
        seen: set[str] = set()
        current: ir.Model | None = model
        while current is not None and current.name not in seen:
            seen.add(current.name)
            fields += current.fields
            current = self.models.get(current.base) if current.base else None
        return fields

    def spread(
        self, parts: list[tuple[Any, str]], seen: set[str]
    ) -> list[tuple[dict[str, Any], str]]:
        """Each part, then the parts of its own ``allOf`` in turn: the fields of a merged
        model are all of theirs (a part may be an ``allOf`` model itself)."""
        found: list[tuple[dict[str, Any], str]] = []
        for target, where in parts:
            if not isinstance(target, dict) or where in seen:
                continue
            seen.add(where)
            found.append((target, where))
            nested = target.get("allOf")
            if isinstance(nested, list):
                inner = [self.ctx.deref(p, f"{where}/allOf/{i}") for i, p in enumerate(nested)]
                found += self.spread(inner, seen)
        return found

    def objectish(self, part: Any, pointer: str) -> bool:
        """Whether an ``allOf`` part describes an object with named properties."""
        target, _ = self.ctx.deref(part, pointer)
        return isinstance(target, dict) and (
            isinstance(target.get("properties"), dict) or isinstance(target.get("allOf"), list)
        )

    def _scalar_parts(self, parts: list[Any], pointer: str) -> dict[str, Any] | None:
        """The parts of an ``allOf`` as one schema when each is a scalar of the same JSON
        kind (no object, array or combinator among them); else None."""
        merged: dict[str, Any] = {}
        kinds: set[str] = set()
        for part in parts:
            target, _ = self.ctx.deref(part, pointer)
            if not isinstance(target, dict) or any(k in target for k in _COMPOSITE):
                return None
            found = [t for t in types_of(target) if t != "null"]
            if not found or found[0] in ("object", "array"):
                return None
            kinds.add(found[0])
            merged = {**target, **merged}
        return merged if len(kinds) == 1 else None

    def alternatives(
        self, schema: dict[str, Any], keyword: str, pointer: str, hint: str
    ) -> ir.TypeRef:
        """``oneOf``/``anyOf``: nullable, a union of JSON kinds, or a tagged union."""
        options = schema[keyword]
        non_null = [o for o in options if not (isinstance(o, dict) and types_of(o) == ["null"])]
        where = [f"{pointer}/{keyword}/{i}" for i, o in enumerate(options) if o in non_null]
        if len(non_null) == 1:
            return self.type_of(non_null[0], where[0], hint)
        disc = schema.get("discriminator")
        if isinstance(disc, dict) and isinstance(disc.get("propertyName"), str):
            return self.union(schema, non_null, where, disc, pointer, hint)
        shared = {k: v for k, v in schema.items() if k != keyword}
        if isinstance(shared.get("properties"), dict) and shared["properties"]:
            # Properties beside the alternatives belong to each (GitHub's check run body:
            # name and head_sha, then oneOf on status). Alternatives that only constrain
            # (`required` lists) leave one model of those properties.
            if not any(_shapes(o) for o in non_null):
                return self.type_of(shared, pointer, hint)
            non_null = [_beside(shared, o) for o in non_null]
        types = [
            self.type_of(o, w, f"{hint} option {i}")
            for i, (o, w) in enumerate(zip(non_null, where, strict=True))
        ]
        return self.choice(schema, types, pointer, keyword, hint)

    def choice(
        self, schema: dict[str, Any], types: list[ir.TypeRef], pointer: str, keyword: str, hint: str
    ) -> ir.TypeRef:
        """A union without a tag: an annotation when msgspec decodes it alone and it does
        not hold itself, else a named union whose facts ``finish`` works out."""
        early = self.recursive.get(pointer)
        if not isinstance(early, ir.UntaggedRef) and untagged.native(types):
            return ir.ScalarUnion(tuple(types))
        unique = untagged.distinct(t for t in types if t != early)  # itself adds nothing
        if len(unique) == 1 and not isinstance(early, ir.UntaggedRef):
            return types[0]
        name = early.name if isinstance(early, ir.UntaggedRef) else self.ctx.claim_class(hint)
        return self.register(name, schema, unique, pointer, keyword)

    def register(
        self,
        name: names.ClassName,
        schema: Any,
        options: tuple[ir.TypeRef, ...],
        pointer: str,
        keyword: str,
    ) -> ir.UntaggedRef:
        """Keep an untagged union until ``finish`` can read its alternatives' facts."""
        at, description = f"{pointer}/{keyword}", text_of(schema, "description")
        self.untagged[name] = untagged.Pending(name, description, options, pointer, at, keyword)
        self.by_pointer[pointer] = ir.UntaggedRef(name)
        return ir.UntaggedRef(name)

    def finish(self) -> tuple[ir.UntaggedUnion, ...]:
        """The untagged unions with their tables, once every model is complete; a
        warning for each pair of alternatives that a value fits both."""
        known = untagged.Known(self.models, self.enums, self.unions, self.untagged)
        decided = [untagged.decide(pending, known) for pending in self.untagged.values()]
        for union, warnings in decided:
            for message in warnings:
                self.ctx.warn(self.untagged[union.name].at, message)
        return tuple(union for union, _ in decided)

    def union(
        self,
        schema: dict[str, Any],
        options: list[Any],
        where: list[str],
        disc: dict[str, Any],
        pointer: str,
        hint: str,
    ) -> ir.TypeRef:
        """A discriminated union of models; tags come from ``mapping`` or schema names."""
        name = self.ctx.claim_class(hint)
        ref = ir.UnionRef(name)
        self.by_pointer[pointer] = ref
        by_target = {str(v): str(k) for k, v in disc.get("mapping", {}).items()}
        variants: list[ir.Variant] = []
        for option, at in zip(options, where, strict=True):
            target, target_pointer = self.ctx.deref(option, at)
            model = self.type_of(option, at, f"{hint} {len(variants)}")
            if not isinstance(model, ir.ModelRef) and _says_nothing(target):
                # {}: only the tag can be known about it, an object without other fields.
                named = isinstance(option, dict) and "$ref" in option
                own = target_pointer.rsplit("/", 1)[-1] if named else f"{hint} {len(variants)}"
                model = self.model(target, target_pointer, own)
            if not isinstance(model, ir.ModelRef):
                # No tag can be read off anything but an object: the discriminator rules it out.
                self.ctx.warn(
                    at,
                    "an alternative of a discriminated union that is not an object can carry"
                    " no tag; left out of the union",
                )
                continue
            ref_text = option.get("$ref", "") if isinstance(option, dict) else ""
            tag = by_target.get(ref_text) or target_pointer.rsplit("/", 1)[-1]
            variants.append(ir.Variant(tag, model.name))
        self.unions[name] = ir.Union(
            name, text_of(schema, "description"), disc["propertyName"], tuple(variants), pointer
        )
        return ref

    def polymorphic(self, schema: Any, pointer: str) -> ir.TypeRef | None:
        """A base schema with a ``discriminator`` and subtypes (``allOf`` of it): where it
        is referenced, any of them may arrive, so the reference is a tagged union of the
        base and its subtypes. The base itself stays a model, for the subtypes to extend."""
        disc = schema.get("discriminator") if isinstance(schema, dict) else None
        if not isinstance(disc, dict) or "oneOf" in schema or "anyOf" in schema:
            return None
        if pointer in self.bases:
            return self.bases[pointer]
        targets = self._subtypes(disc, pointer)
        if len(targets) < 2:
            return None
        base = self.named_type(schema, pointer)
        if not isinstance(base, ir.ModelRef):
            return None
        ref = ir.UnionRef(self.ctx.claim_class(f"Any {base.name}"))
        self.bases[pointer] = ref
        variants = []
        for tag, target in targets.items():
            model = self.named_type(self.ctx.read(target), target)
            if isinstance(model, ir.ModelRef):
                variants.append(ir.Variant(tag, model.name))
        prop = str(disc.get("propertyName", ""))
        description = f"Any kind of {base.name}, told apart by ``{prop}``."
        self.unions[ref.name] = ir.Union(ref.name, description, prop, tuple(variants), pointer)
        return ref

    def _subtypes(self, disc: dict[str, Any], pointer: str) -> dict[str, str]:
        """Tag → pointer of the base and each subtype, from ``mapping`` or by search."""
        schemas = self.ctx.doc.get("components", {}).get("schemas", {})
        self.ctx.note("/components/schemas")  # every schema's allOf is looked at
        found: dict[str, str] = {}
        for tag, target in (disc.get("mapping") or {}).items():
            target = str(target)
            found[str(tag)] = (
                target[1:] if target.startswith("#") else f"/components/schemas/{target}"
            )
        if found:
            return found
        found[pointer.rsplit("/", 1)[-1]] = pointer
        for name, child in schemas.items():
            parts = child.get("allOf", []) if isinstance(child, dict) else []
            if any(isinstance(p, dict) and p.get("$ref") == "#" + pointer for p in parts):
                found[name] = f"/components/schemas/{escape(name)}"
        return found

    def components(self, replay: Replay | None = None) -> None:
        """Build every component schema first, so they get their own names; with
        ``replay``, each as the last run did, where that may be done again."""
        schemas = self.ctx.doc.get("components", {}).get("schemas", {})
        tables = {t.name: t for t in self.tables}
        for key, schema in schemas.items():
            pointer = f"/components/schemas/{escape(key)}"
            if replay is None:
                self.named_type(schema, pointer)
            else:
                replay.unit(pointer, tables, partial(self.named_type, schema, pointer))

    @property
    def tables(self) -> tuple[Table[Any], ...]:
        """Every table of what is built."""
        return (
            self.models,
            self.enums,
            self.unions,
            self.untagged,
            self.by_pointer,
            self.recursive,
            self.ms_enums,
            self.bases,
        )


def plain_enum(values: list[Any]) -> ir.TypeRef:
    """Enum values no enum class can hold (booleans, numbers, a mix of kinds): one value is
    a ``Literal``, several are their plain types (the values stay in the docs)."""
    # Literal holds no float (wmata.com's single-value lat enum): that one is a float.
    if len(values) == 1 and isinstance(values[0], str | int | bool):
        return ir.LiteralType(values[0])
    kinds: list[ir.Primitive] = []
    for value in values:
        kind = _kind_of(value)
        if kind is ir.Primitive.INT and ir.Primitive.FLOAT in kinds:
            continue
        if kind is ir.Primitive.FLOAT and ir.Primitive.INT in kinds:
            kinds.remove(ir.Primitive.INT)
        if kind not in kinds:
            kinds.append(kind)
    if not kinds or ir.Primitive.ANY in kinds:
        return _ANY
    if len(kinds) == 1:
        return ir.PrimitiveType(kinds[0])
    return ir.ScalarUnion(tuple(ir.PrimitiveType(k) for k in kinds))


def _kind_of(value: Any) -> ir.Primitive:
    if isinstance(value, bool):
        return ir.Primitive.BOOL
    if isinstance(value, int):
        return ir.Primitive.INT
    if isinstance(value, float):
        return ir.Primitive.FLOAT
    if isinstance(value, str):
        return ir.Primitive.STR
    return ir.Primitive.ANY


def _beside(shared: dict[str, Any], option: Any) -> Any:
    """An alternative with the properties (and other keywords) written beside it: a
    reference extends them by ``allOf``; an inline schema is merged with them."""
    if not isinstance(option, dict):
        return option
    if "$ref" in option:
        return {"allOf": [shared, option]}
    merged = {**shared, **option}
    merged["properties"] = {**shared["properties"], **(option.get("properties") or {})}
    required = [*(shared.get("required") or []), *(option.get("required") or [])]
    if required:
        merged["required"] = list(dict.fromkeys(r for r in required if isinstance(r, str)))
    return merged


def _says_nothing(schema: Any) -> bool:
    """A schema with no keyword that constrains a value (``{}``, a description alone)."""
    return isinstance(schema, dict) and not (set(schema) - _ANNOTATIONS)


_ANNOTATIONS = frozenset({"description", "title", "example", "examples", "deprecated"})


# Keywords that give a schema its shape; an ``allOf`` part with none of them only annotates.
_SHAPING = frozenset(
    {"type", "properties", "additionalProperties", "items", "prefixItems", "allOf", "oneOf"}
    | {"anyOf", "enum", "const", "$ref", "patternProperties"}
)
_COMPOSITE = frozenset(
    {"properties", "additionalProperties", "items", "allOf", "oneOf", "anyOf", "$ref"}
)


def _shapes(part: Any) -> bool:
    return not isinstance(part, dict) or any(k in part for k in _SHAPING)
