"""The Swagger 2.0 reader: rewrite a 2.0 document into the OpenAPI 3 shape ``build`` reads.

Each construct has one 3.x spelling, so the builder has one code path; where 3.x has no
spelling (``collectionFormat: tsv``, ``x-ms-*`` host parameters) an ``x-`` key carries it.
Every rewritten node records the pointer it came from, so diagnostics name the place in
the file the user wrote, not the rewritten one.
"""

from __future__ import annotations

from typing import Any

from .document import escape

_REFS = {
    "#/definitions/": "#/components/schemas/",
    "#/parameters/": "#/components/parameters/",
    "#/responses/": "#/components/responses/",
}
# collectionFormat → (style, explode) for query parameters; tsv has no 3.x style.
_COLLECTIONS = {
    "csv": ("form", False),
    "ssv": ("spaceDelimited", False),
    "pipes": ("pipeDelimited", False),
    "tsv": ("x-tabDelimited", False),
    "multi": ("form", True),
}
_SCHEMA_KEYS = [
    "type",
    "format",
    "items",
    "enum",
    "default",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "minLength",
    "maxLength",
    "pattern",
    "minItems",
    "maxItems",
    "uniqueItems",
    "multipleOf",
]
# Keys whose values are data, not schemas: never rewritten.
_DATA_KEYS = frozenset({"example", "examples", "default", "enum", "const", "x-ms-examples"})
_FORMS = ("multipart/form-data", "application/x-www-form-urlencoded")


class Upgrade:
    """One 2.0 document being rewritten; ``origins`` maps new pointers to old ones."""

    def __init__(self, doc: dict[str, Any]) -> None:
        self.doc = doc
        self.origins: dict[str, str] = {}

    def moved(self, new: str, old: str, value: Any) -> Any:
        """Record that the node at ``new`` came from ``old``; refs inside are rewritten."""
        self.origins[new] = old
        return _rewrite_refs(value)

    # -- schemas -------------------------------------------------------------------
    def schema(self, value: Any, new: str, old: str) -> Any:
        """A 2.0 schema in 3.x spelling: ``x-nullable`` → ``nullable``, file → binary."""
        self.origins[new] = old
        return _schema(_rewrite_refs(value))

    def shared_schema(self, value: Any, new: str, media_types: list[str], old: str) -> Any:
        """One 2.0 schema that 3.x repeats under every media type of a body or response."""
        for media in media_types:
            self.origins[f"{new}/content/{escape(media)}/schema"] = old
        return _schema(_rewrite_refs(value))

    # -- document ------------------------------------------------------------------
    def run(self) -> dict[str, Any]:
        """The rewritten document."""
        d = self.doc
        out: dict[str, Any] = {"openapi": "3.0.3", "x-apiforge-source": "swagger 2.0"}
        out["info"] = self.moved("/info", "/info", d.get("info", {}))
        out["servers"] = self.servers()
        out["paths"] = {}
        for path, item in d.get("paths", {}).items():
            if str(path).startswith("x-"):  # an extension, not a path
                continue
            key = f"/paths/{escape(path)}"
            out["paths"][path] = self.path_item(item, key)
        components: dict[str, Any] = {}
        definitions = _discriminators(d.get("definitions", {}))
        components["schemas"] = {
            name: self.schema(
                s, f"/components/schemas/{escape(name)}", f"/definitions/{escape(name)}"
            )
            for name, s in definitions.items()
        }
        components["parameters"] = {
            name: self.parameter(
                p, f"/components/parameters/{escape(name)}", f"/parameters/{escape(name)}"
            )
            for name, p in d.get("parameters", {}).items()
        }
        components["securitySchemes"] = {
            name: _security_scheme(
                self.moved(
                    f"/components/securitySchemes/{escape(name)}",
                    f"/securityDefinitions/{escape(name)}",
                    s,
                )
            )
            for name, s in d.get("securityDefinitions", {}).items()
        }
        out["components"] = components
        if "security" in d:
            out["security"] = self.moved("/security", "/security", d["security"])
        out.update({k: v for k, v in d.items() if k.startswith("x-") and k not in out})
        return out

    def servers(self) -> list[dict[str, Any]]:
        """``x-ms-parameterized-host``, or ``schemes`` + ``host`` + ``basePath``."""
        d = self.doc
        base = d.get("basePath", "") or ""
        host = d.get("x-ms-parameterized-host")
        if isinstance(host, dict):
            self.origins["/servers/0"] = "/x-ms-parameterized-host"
            prefix = "" if host.get("useSchemePrefix", True) is False else "https://"
            variables = {}
            for raw in host.get("parameters", []):
                param = self.resolve(raw)
                variables[param["name"]] = {
                    "default": param.get("default", ""),
                    "description": param.get("description", ""),
                    # A host parameter is percent-encoded unless it says it is a URL part.
                    "x-apiforge-encode": param.get("x-ms-skip-url-encoding") is not True,
                }
            url = prefix + str(host.get("hostTemplate", "")) + base
            return [{"url": url, "variables": variables}]
        if "host" not in d:
            return [{"url": base or "/"}]
        schemes = d.get("schemes") or ["https"]
        scheme = "https" if "https" in schemes else schemes[0]
        return [{"url": f"{scheme}://{d['host']}{base}"}]

    def resolve(self, value: Any) -> Any:
        """A parameter or response, following a local ``$ref`` in the 2.0 document."""
        while isinstance(value, dict) and isinstance(value.get("$ref"), str):
            ref = value["$ref"]
            section, _, name = ref.removeprefix("#/").partition("/")
            value = self.doc.get(section, {}).get(name.replace("~1", "/").replace("~0", "~"), {})
        return value

    def path_item(self, item: dict[str, Any], key: str) -> dict[str, Any]:
        """Operations of one path; path-level parameters are merged into each operation."""
        out: dict[str, Any] = {}
        shared = item.get("parameters", [])
        for method, op in item.items():
            if method == "parameters" or not isinstance(op, dict):
                continue
            out[method] = self.operation(op, shared, f"{key}/{method}", key)
        return out

    def operation(
        self, op: dict[str, Any], shared: list[Any], key: str, path_key: str
    ) -> dict[str, Any]:
        """One operation: parameters split into parameters and a request body."""
        self.origins[key] = key
        out = {
            k: v
            for k, v in op.items()
            if k not in ("parameters", "responses", "consumes", "produces")
        }
        consumes = op.get("consumes") or self.doc.get("consumes") or ["application/json"]
        produces = op.get("produces") or self.doc.get("produces") or ["application/json"]
        params: list[Any] = []
        form: list[tuple[dict[str, Any], str]] = []
        sources = [(p, f"{path_key}/parameters/{i}") for i, p in enumerate(shared)]
        sources += [(p, f"{key}/parameters/{i}") for i, p in enumerate(op.get("parameters", []))]
        for raw, old in sources:
            param = self.resolve(raw)
            where = param.get("in")
            if where == "body":
                out["requestBody"] = self.body(param, consumes, f"{key}/requestBody", old)
            elif where == "formData":
                form.append((param, old))
            elif "$ref" in raw and where not in ("body", "formData"):
                params.append(_rewrite_refs(raw))
                self.origins[f"{key}/parameters/{len(params) - 1}"] = old
            else:
                params.append(self.parameter(param, f"{key}/parameters/{len(params)}", old))
        if form:
            out["requestBody"] = self.form(form, consumes, f"{key}/requestBody")
        if params:
            out["parameters"] = params
        out["responses"] = {
            status: self.response(r, produces, f"{key}/responses/{escape(status)}")
            for status, r in op.get("responses", {}).items()
        }
        return out

    def parameter(self, p: dict[str, Any], new: str, old: str) -> dict[str, Any]:
        """A path, query or header parameter: its type keys move into ``schema``."""
        self.origins[new] = old
        out = {k: v for k, v in p.items() if k not in _SCHEMA_KEYS and k != "collectionFormat"}
        out.pop("x-nullable", None)
        schema = {k: p[k] for k in _SCHEMA_KEYS if k in p}
        if p.get("x-nullable") is True:
            schema["nullable"] = True
        out["schema"] = _schema(_rewrite_refs(schema))
        self.origins[f"{new}/schema"] = old
        if p.get("type") == "array":
            fmt = p.get("collectionFormat", "csv")
            style, explode = _COLLECTIONS.get(fmt, ("form", False))
            if p.get("in") != "query":
                style = "simple"
            out["style"], out["explode"] = style, explode
        return out

    def body(self, p: dict[str, Any], consumes: list[str], new: str, old: str) -> dict[str, Any]:
        """``in: body`` → ``requestBody`` with one entry per consumed media type."""
        self.origins[new] = old
        types = [t for t in consumes if t not in _FORMS] or ["application/json"]
        schema = self.shared_schema(p.get("schema", {}), new, types, f"{old}/schema")
        return {
            "description": p.get("description", ""),
            "required": bool(p.get("required", False)),
            "x-apiforge-body-name": p.get("name", "body"),
            "content": {t: {"schema": schema} for t in types},
        }

    def form(
        self, params: list[tuple[dict[str, Any], str]], consumes: list[str], new: str
    ) -> dict[str, Any]:
        """``in: formData`` parameters → one object schema, multipart when a file is sent."""
        has_file = any(p.get("type") == "file" for p, _ in params)
        media = "multipart/form-data" if has_file or _FORMS[0] in consumes else _FORMS[1]
        properties: dict[str, Any] = {}
        for p, old in params:
            name = p["name"]
            self.origins[f"{new}/content/{escape(media)}/schema/properties/{escape(name)}"] = old
            schema = {k: p[k] for k in _SCHEMA_KEYS if k in p}
            if p.get("description"):
                schema["description"] = p["description"]
            properties[name] = _schema(schema)
        required = [p["name"] for p, _ in params if p.get("required")]
        schema = {"type": "object", "properties": properties}
        if required:
            schema["required"] = required
        self.origins[new] = params[0][1]
        return {"required": bool(required), "content": {media: {"schema": schema}}}

    def response(self, r: dict[str, Any], produces: list[str], new: str) -> dict[str, Any]:
        """A response: its schema is served in every produced media type."""
        old = new
        if "$ref" in r:
            r = self.resolve(r)
        self.origins[new] = old
        out: dict[str, Any] = {"description": r.get("description", "")}
        if "schema" in r:
            schema = self.shared_schema(r["schema"], new, produces, f"{old}/schema")
            out["content"] = {t: {"schema": schema} for t in produces}
        if "headers" in r:
            out["headers"] = {name: _header(h) for name, h in r["headers"].items()}
        return out


def _header(header: Any) -> dict[str, Any]:
    """A 2.0 Header Object as 3.x writes it: its type in a schema, its description kept."""
    found: dict[str, Any] = {"schema": _schema(header)}
    if isinstance(header, dict) and isinstance(header.get("description"), str):
        found["description"] = header["description"]
    return found


# 2.0's oauth2 ``flow`` → the 3.x flow it is, and the URLs that flow keeps.
_OAUTH2_FLOWS = {
    "implicit": ("implicit", ("authorizationUrl",)),
    "password": ("password", ("tokenUrl",)),
    "application": ("clientCredentials", ("tokenUrl",)),
    "accessCode": ("authorizationCode", ("authorizationUrl", "tokenUrl")),
}


def _security_scheme(scheme: Any) -> Any:
    """A 2.0 security definition in 3.x spelling: ``basic`` is ``http`` with
    ``scheme: basic``, an oauth2 ``flow`` is one entry of ``flows``; apiKey is unchanged."""
    if not isinstance(scheme, dict):
        return scheme
    kept = {k: v for k, v in scheme.items() if k == "description" or k.startswith("x-")}
    if scheme.get("type") == "basic":
        return {**kept, "type": "http", "scheme": "basic"}
    if scheme.get("type") == "oauth2" and scheme.get("flow") in _OAUTH2_FLOWS:
        name, urls = _OAUTH2_FLOWS[scheme["flow"]]
        flow = {u: scheme[u] for u in urls if u in scheme}
        flow["scopes"] = scheme.get("scopes") or {}
        return {**kept, "type": "oauth2", "flows": {name: flow}}
    return scheme


def _discriminators(definitions: dict[str, Any]) -> dict[str, Any]:
    """2.0's ``discriminator: prop`` → 3.x's ``{propertyName, mapping}``; the tags are the
    subtypes' ``x-ms-discriminator-value`` (else their names), subtypes being definitions
    whose ``allOf`` names the base."""
    out = dict(definitions)
    for base, schema in definitions.items():
        prop = schema.get("discriminator") if isinstance(schema, dict) else None
        if not isinstance(prop, str):
            continue
        ref = f"#/definitions/{escape(base)}"
        moved = "#/components/schemas/"  # mapping values are not $refs: rewrite them here
        mapping = {str(schema.get("x-ms-discriminator-value", base)): moved + escape(base)}
        for name, child in definitions.items():
            parts = child.get("allOf", []) if isinstance(child, dict) else []
            if any(isinstance(p, dict) and p.get("$ref") == ref for p in parts):
                tag = str(child.get("x-ms-discriminator-value", name))
                mapping[tag] = moved + escape(name)
        out[base] = {**schema, "discriminator": {"propertyName": prop, "mapping": mapping}}
    return out


def _rewrite_refs(value: Any) -> Any:
    """A copy of ``value`` with 2.0 ``$ref`` targets moved to their 3.x sections."""
    if isinstance(value, dict):
        out = {k: _rewrite_refs(v) for k, v in value.items()}
        ref = out.get("$ref")
        if isinstance(ref, str):
            for old, new in _REFS.items():
                if ref.startswith(old):
                    out["$ref"] = new + ref[len(old) :]
        return out
    if isinstance(value, list):
        return [_rewrite_refs(v) for v in value]
    return value


_NAMED = frozenset({"properties", "patternProperties", "definitions"})


def _named(value: Any) -> Any:
    """A map of spec-chosen names to schemas: its keys are never keywords."""
    return {k: _schema(v) for k, v in value.items()} if isinstance(value, dict) else value


def _schema(value: Any) -> Any:
    """2.0 schema keywords in 3.x spelling, recursively. OpenAPI 3 keywords a 2.0 document
    uses all the same (``oneOf``, ``anyOf``, ``nullable``, type lists; ``lenient`` warns of
    them) are already in that spelling, and are carried as written."""
    if isinstance(value, list):
        return [_schema(v) for v in value]
    if not isinstance(value, dict):
        return value
    out = {
        k: v if k in _DATA_KEYS else _named(v) if k in _NAMED else _schema(v)
        for k, v in value.items()
    }
    if out.pop("x-nullable", None) is True:
        out["nullable"] = True
    if out.get("type") == "file":
        out["type"], out["format"] = "string", "binary"
    return out


def upgrade(doc: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """The 3.x-shaped document and the map from its pointers to the original ones."""
    up = Upgrade(doc)
    return up.run(), up.origins
