"""Schemas to IR types: models, enums and the types of fields and parameters.

Part of the build stage (``build.py``). A ``SchemaBuilder`` walks the document once, names
every model and enum, and collects diagnostics; unsupported constructs are reported as
located errors, never dropped silently.
"""

from __future__ import annotations

from typing import Any

from . import ir, names
from .diagnostics import Diagnostic, Severity
from .load import LoadedSpec, escape, resolve_pointer

_STRING_FORMATS = {
    "uuid": ir.Primitive.UUID,
    "date-time": ir.Primitive.DATETIME,
    "date": ir.Primitive.DATE,
}
_SCALARS = {"integer": ir.Primitive.INT, "number": ir.Primitive.FLOAT, "boolean": ir.Primitive.BOOL}
_UNSUPPORTED_KEYWORDS = ("oneOf", "anyOf", "not", "discriminator")
# Class names the generated package defines itself; spec names must not take them.
_RUNTIME_CLASSES = frozenset(
    {
        "Any",
        "ApiConnectionError",
        "ApiEnum",
        "ApiError",
        "ApiStatusError",
        "ApiTimeoutError",
        "AsyncIterator",
        "Iterator",
        "ResponseDecodeError",
        "RetryPolicy",
        "Self",
        "Sequence",
    }
)


class SchemaBuilder:
    """Walks one document once, collecting IR pieces and diagnostics."""

    def __init__(self, spec: LoadedSpec) -> None:
        self.spec = spec
        self.doc = spec.document
        self.diagnostics: list[Diagnostic] = []
        self.models: dict[str, ir.Model] = {}
        self.enums: dict[str, ir.Enum] = {}
        self.class_names: set[str] = set(_RUNTIME_CLASSES)
        self.by_pointer: dict[str, ir.TypeRef] = {}

    # -- diagnostics ---------------------------------------------------------------
    def error(self, pointer: str, message: str, hint: str = "") -> None:
        """Record an error at ``pointer``; building goes on to find more."""
        self.diagnostics.append(self.spec.error(pointer, message, hint))

    def warn(self, pointer: str, message: str) -> None:
        """Record a warning at ``pointer``."""
        self.diagnostics.append(Diagnostic(Severity.WARNING, self.spec.locate(pointer), message))

    # -- names ---------------------------------------------------------------------
    def claim_class(self, wanted: str) -> names.ClassName:
        """A class name not yet used in the package, derived from ``wanted``."""
        base = names.class_name(wanted)
        candidate, n = base, 1
        while candidate in self.class_names:
            n += 1
            candidate = names.ClassName(f"{base}{n}")
        self.class_names.add(candidate)
        return candidate

    # -- schemas -------------------------------------------------------------------
    def deref(self, schema: Any, pointer: str) -> tuple[Any, str]:
        """Follow ``$ref`` chains; return the target and its pointer."""
        seen: set[str] = set()
        while isinstance(schema, dict) and "$ref" in schema:
            ref = schema["$ref"]
            if ref in seen:
                self.error(pointer, f"$ref cycle through {ref!r}")
                return {}, pointer
            seen.add(ref)
            schema, pointer = resolve_pointer(self.doc, ref), ref[1:]
        return schema, pointer

    def type_of(self, schema: Any, pointer: str, hint: str) -> ir.TypeRef:
        """The IR type of ``schema``; ``hint`` names inline enums and models."""
        if not isinstance(schema, dict):
            return ir.PrimitiveType(ir.Primitive.ANY)
        if "$ref" in schema:
            target, target_pointer = self.deref(schema, pointer)
            return self.named_type(target, target_pointer)
        all_of = schema.get("allOf")
        if isinstance(all_of, list):
            if len(all_of) == 1 and not schema.get("properties"):
                return self.type_of(all_of[0], f"{pointer}/allOf/0", hint)
            self.error(f"{pointer}/allOf", "allOf with more than one schema is not supported yet")
            return ir.PrimitiveType(ir.Primitive.ANY)
        for keyword in _UNSUPPORTED_KEYWORDS:
            if keyword in schema:
                self.error(f"{pointer}/{keyword}", f"'{keyword}' is not supported yet")
                return ir.PrimitiveType(ir.Primitive.ANY)
        return self.shape(schema, pointer, hint)

    def named_type(self, schema: Any, pointer: str) -> ir.TypeRef:
        """The type of a component schema, built once and cached by pointer."""
        if pointer not in self.by_pointer:
            self.by_pointer[pointer] = ir.PrimitiveType(ir.Primitive.ANY)  # recursion guard
            self.by_pointer[pointer] = self.type_of(schema, pointer, pointer.rsplit("/", 1)[-1])
        return self.by_pointer[pointer]

    def shape(self, schema: dict[str, Any], pointer: str, hint: str) -> ir.TypeRef:
        """Types of schemas without references or combinators."""
        kind = schema.get("type")
        if "enum" in schema:
            return self.enum(schema, pointer, hint)
        if kind == "array":
            item = self.type_of(schema.get("items"), f"{pointer}/items", f"{hint} item")
            return ir.ArrayType(item)
        if kind == "object" or "properties" in schema:
            return self.model(schema, pointer, hint)
        if kind == "string":
            fmt = schema.get("format")
            kind_of = _STRING_FORMATS.get(fmt, ir.Primitive.STR) if isinstance(fmt, str) else None
            return ir.PrimitiveType(kind_of or ir.Primitive.STR, fmt)
        if kind in _SCALARS:
            return ir.PrimitiveType(_SCALARS[kind], schema.get("format"))
        return ir.PrimitiveType(ir.Primitive.ANY)

    def enum(self, schema: dict[str, Any], pointer: str, hint: str) -> ir.TypeRef:
        """A string enum, named after its component or the place it stands."""
        values = schema["enum"]
        if schema.get("type", "string") != "string" or not all(isinstance(v, str) for v in values):
            self.error(f"{pointer}/enum", "only string enums are supported yet")
            return ir.PrimitiveType(ir.Primitive.ANY)
        name = self.claim_class(hint)
        member_names = names.unique([names.constant(v) for v in values])
        members = tuple(ir.EnumMember(n, v) for n, v in zip(member_names, values, strict=True))
        self.enums[name] = ir.Enum(name, text_of(schema, "description"), members, pointer)
        return ir.EnumRef(name)

    def model(self, schema: dict[str, Any], pointer: str, hint: str) -> ir.TypeRef:
        """An object schema as a model; its fields keep the document's order."""
        if isinstance(schema.get("additionalProperties"), dict):
            self.error(f"{pointer}/additionalProperties", "maps are not supported yet")
        name = self.claim_class(hint)
        ref = ir.ModelRef(name)
        self.by_pointer.setdefault(pointer, ref)
        description = text_of(schema, "description")
        # Reserve the place now so models come out in document order, not dependency order.
        self.models[name] = ir.Model(name, description, (), pointer)
        properties: dict[str, Any] = schema.get("properties", {})
        required = set(schema.get("required", []))
        py_names = names.unique([names.snake(wire) for wire in properties])
        fields = []
        for (wire, prop), py_name in zip(properties.items(), py_names, strict=True):
            prop_pointer = f"{pointer}/properties/{escape(wire)}"
            fields.append(
                ir.Field(
                    wire_name=wire,
                    name=py_name,
                    type=self.type_of(prop, prop_pointer, f"{name} {wire}"),
                    required=wire in required,
                    nullable=flag(prop, "nullable"),
                    read_only=flag(prop, "readOnly"),
                    description=text_of(prop, "description"),
                )
            )
        self.models[name] = ir.Model(name, description, tuple(fields), pointer)
        return ref

    def components(self) -> None:
        """Build every component schema first, so they get their own names."""
        schemas = self.doc.get("components", {}).get("schemas", {})
        for key, schema in schemas.items():
            self.named_type(schema, f"/components/schemas/{escape(key)}")


def flag(schema: Any, key: str) -> bool:
    """A boolean keyword that is present and true."""
    return isinstance(schema, dict) and schema.get(key) is True


def text_of(schema: Any, key: str) -> str:
    """A string keyword or ''."""
    value = schema.get(key, "") if isinstance(schema, dict) else ""
    return value if isinstance(value, str) else ""
