"""Whether a ``default`` or ``example`` matches its schema, as openapi-spec-validator judges.

Told without the validator where that is certain (``plain.py``); otherwise by the
validator, imported only then (a third of a second that most specs never pay).
"""

from __future__ import annotations

from typing import Any

from .plain import NESTED_REPEAT, Plain


class Judge:
    """Checks values against schemas of one document as openapi-spec-validator checks
    defaults: without it where that is certain, else by the validator."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self.plain = Plain(document)
        self._validator: _Validator | None = None

    def mismatch(self, schema: dict[str, Any], value: Any) -> str:
        """Why ``value`` does not match ``schema``, or '' (also when that cannot be told)."""
        told = self.certain(schema, value)
        return self.by_validator(schema, value) if told is None else told

    def certain(self, schema: dict[str, Any], value: Any) -> str | None:
        """The verdict without the validator: '' when ``value`` matches, why it does not,
        or None when that is not certain (or which reason the validator would name)."""
        if value is None and self.plain.nullable(schema):
            return ""  # the validator's own shortcut
        found = self.plain.errors(schema, value)
        if found is None or len(found) > 1:
            return None
        return found[0] if found else ""

    def by_validator(self, schema: dict[str, Any], value: Any) -> str:
        """The validator's reason, or ''."""
        if self._validator is None:
            self._validator = _Validator(self.document)
        return self._validator.mismatch(schema, value)


class _Validator:
    """Checks a value against a schema as openapi-spec-validator checks defaults, with the
    validator itself."""

    def __init__(self, document: dict[str, Any]) -> None:
        from jsonschema.exceptions import best_match
        from openapi_schema_validator import (  # the validator's own; paid for only when used
            OAS30Validator,
            OAS31Validator,
            oas30_format_checker,
            oas31_format_checker,
        )
        from referencing import Registry
        from referencing.jsonschema import DRAFT4, DRAFT202012

        self.best_match = best_match
        self.swagger = "swagger" in document
        if str(document.get("openapi", "")).startswith("3.1."):
            self.cls: Any = _guarded(OAS31Validator)
            self.formats: Any = oas31_format_checker
            root = DRAFT202012.create_resource(document)
        else:
            self.cls, self.formats = _guarded(OAS30Validator), oas30_format_checker
            contents = _nullable_spelled(document) if self.swagger else document
            root = DRAFT4.create_resource(contents)
        # Every value is checked from the document's root, where its "#/..." $refs start.
        self.resolver = Registry().with_resource("", root).resolver()

    def mismatch(self, schema: dict[str, Any], value: Any) -> str:
        """Why ``value`` does not match ``schema``, or '' (also when that cannot be told)."""
        if self.swagger and schema.get("x-nullable") is True:
            schema = {**schema, "nullable": True}
        if value is None and schema.get("nullable") is True:
            return ""
        try:
            validator = self.cls(schema, _resolver=self.resolver, format_checker=self.formats)
            error = self.best_match(validator.iter_errors(value))
        except Exception:  # a schema too broken to check against: the validator judges it
            return ""
        return "" if error is None else str(error.message)


# Text this short takes even a nested repeat a few thousand steps at most.
_SHORT = 16


def _guarded(cls: Any) -> Any:
    """``cls`` whose ``pattern`` keyword passes a pattern with a nested repeat unchecked on
    text longer than ``_SHORT``: a default or example is then judged by everything else
    (generation took 20 minutes). Short text is checked (image-charts.com's `''` default)."""
    import jsonschema

    strict = cls.VALIDATORS["pattern"]

    def pattern(validator: Any, value: Any, instance: Any, schema: Any) -> Any:
        long = not isinstance(instance, str) or len(instance) > _SHORT
        if isinstance(value, str) and NESTED_REPEAT.search(value) and long:
            return
        yield from strict(validator, value, instance, schema)

    return jsonschema.validators.extend(cls, {"pattern": pattern})  # type: ignore[no-untyped-call]


def _nullable_spelled(value: Any) -> Any:
    """A copy with Swagger 2.0's ``x-nullable: true`` also spelled ``nullable: true``."""
    if isinstance(value, list):
        return [_nullable_spelled(v) for v in value]
    if not isinstance(value, dict):
        return value
    out = {k: _nullable_spelled(v) for k, v in value.items()}
    if out.get("x-nullable") is True:
        out["nullable"] = True
    return out
