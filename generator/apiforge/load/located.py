"""Where openapi-spec-validator's keyword checks found what they complain about.

The validator runs in two parts: the OpenAPI schema over the whole document, whose errors
carry their path in it, and keyword checks (each schema against its dialect, defaults
against their schema, unique operationIds) that are handed one part of the document and
report paths relative to that part, or none. Each keyword check is wrapped here so its
complaints carry the path of the part it was handed: ``where`` reads it back.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # jsonschema is imported only when the reference validator runs
    from jsonschema.exceptions import ValidationError

from .. import urlpath

_WHERE = "_apiforge_where"
# The value a complaint of one of these kinds is about, below the part that was checked.
_BELOW = {"DuplicateOperationIDError": "operationId", "ExtraParametersError": "required"}


def _wrapped(cls: type[Any], keyword: str) -> type[Any]:
    """``cls``, a keyword check, whose complaints carry the path of the part it checks."""
    from jsonschema_path import SchemaPath

    def __call__(self: Any, *args: Any, **kwargs: Any) -> Iterator[ValidationError]:
        part = next((a for a in args if isinstance(a, SchemaPath)), None)
        path = list(part.parts) if part is not None else []
        if keyword == "default":  # handed the schema, complaining about its default
            path.append("default")
        for error in cls.__call__(self, *args, **kwargs):
            if where(error) is None:  # the innermost check knows best
                below = _BELOW.get(type(error).__name__)
                setattr(error, _WHERE, [*path, below] if below else path)
            yield error

    attributes: dict[str, Any] = {"__call__": __call__}
    if hasattr(cls, "_get_path_params_from_url"):
        attributes["_get_path_params_from_url"] = _template_names
    return type(cls.__name__, (cls,), attributes)


def _template_names(self: Any, url: str) -> list[str]:
    """The names in a path template, as OpenAPI delimits them: between braces. The
    validator reads them with ``string.Formatter``, which takes ``{a:b}`` for ``a`` with a
    format spec, and fails on ``{a[b}`` (a traceback of its own, found by fuzzing)."""
    return [name for name in urlpath.names(url) if name]


_LOCATED: dict[type[Any], type[Any]] = {}
# The complaints the build reads with a warning of its own, by kind (``read_by_build``).
READ_BY_BUILD = frozenset(("DuplicateOperationIDError", "ExtraParametersError"))


def _located(validator_cls: type[Any]) -> type[Any]:
    """``validator_cls`` with every keyword check wrapped (made once per class)."""
    if validator_cls not in _LOCATED:
        checks = {k: _wrapped(c, k) for k, c in validator_cls.keyword_validators.items()}
        attributes = {"keyword_validators": checks}
        _LOCATED[validator_cls] = type(validator_cls.__name__, (validator_cls,), attributes)
    return _LOCATED[validator_cls]


def complaints(document: dict[str, Any], validator_cls: type[Any]) -> Iterator[ValidationError]:
    """Every complaint of ``validator_cls`` about ``document``, the keyword checks' with
    their place."""
    validator = _located(validator_cls)(document)
    if not all(hasattr(validator, a) for a in ("schema_validator", "root_validator")):
        yield from validator.iter_errors()  # another version of the validator: no places
        return
    # What iter_errors does, without its wrapper that copies each error (and drops _WHERE).
    yield from validator.schema_validator.iter_errors(validator.schema)
    yield from validator.root_validator(validator.schema_path)


def where(error: ValidationError) -> list[Any] | None:
    """The path of the part of the document a keyword check complained about, or None for
    a complaint of the OpenAPI schema (its ``absolute_path`` is in the document)."""
    found = getattr(error, _WHERE, None)
    return found if isinstance(found, list) else None


def read_by_build(error: ValidationError) -> bool:
    """A complaint the build reads with a warning of its own: a duplicate operationId
    (renamed) and, beside ``allOf``, a required name no property defines (a field of any
    value, as without ``allOf``, where the validator does not complain)."""
    return type(error).__name__ in READ_BY_BUILD
