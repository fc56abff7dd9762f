"""quote: the one way spec text reaches generated code (literals, docstrings, comments,
Markdown, header values), and the check that templates print free text only through it."""

from __future__ import annotations

import ast
import math
import re
import unicodedata

import jinja2
import pytest
from apiforge.names import PythonIdentifier
from apiforge.render import quote
from hypothesis import given, settings
from hypothesis import strategies as st
from jinja2 import nodes
from support.paths import REPO_ROOT

HOSTILE = [
    "",
    "plain",
    "it's",
    'say "hi"',
    "'''",
    '"""',
    '"""; import os; """',
    "back\\slash",
    "trailing backslash\\",
    "\\",
    "\\'",
    '\\"',
    "new\nline",
    "cr\rlf\r\n",
    "tab\there",
    "nul\x00byte",
    "bell\x07",
    "line\u2028separator",
    "para\u2029separator",
    "bidi \u202eoverride\u202c",
    "isolate \u2066x\u2069",
    "zero\u200bwidth",
    "bom\ufeff",
    "nel\x85",
    "del\x7f",
    "\ud800 lone surrogate",
    "astral \U0001f600 \U0001d518\U0001d52b",
    "ünïcödé",
    "{braces} %s %(x)s",
]
# Characters that must never reach generated source as themselves.
_NEVER_RAW = re.compile(
    "[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]"
)


def parse_doc(text: str) -> str:
    """The docstring a template gets by printing ``text`` between triple quotes."""
    module = ast.parse(f'def f():\n    """{text}"""\n')
    function = module.body[0]
    assert isinstance(function, ast.FunctionDef)
    doc = ast.get_docstring(function, clean=False)
    assert doc is not None
    return doc


def words(text: str) -> str:
    """Whitespace-normalised text."""
    return " ".join(text.split())


def only_safe_characters(source: str) -> bool:
    return all(c == "\n" or (c.isprintable() and unicodedata.category(c) != "Cf") for c in source)


# -- literal ---------------------------------------------------------------------------


@pytest.mark.parametrize("text", HOSTILE)
def test_literal_round_trips_hostile_strings(text: str) -> None:
    source = quote.literal(text)
    assert ast.literal_eval(source) == text
    assert "\n" not in source
    assert only_safe_characters(source)


@pytest.mark.parametrize("value", [None, True, False, 0, -7, 2**70, 0.5, -1e-300, 1e300])
def test_literal_round_trips_scalars(value: object) -> None:
    source = quote.literal(value)
    back = ast.literal_eval(source)
    assert back == value
    assert type(back) is type(value)


def test_literal_of_a_name_subtype_is_a_plain_string() -> None:
    assert quote.literal(PythonIdentifier("tag_ids")) == "'tag_ids'"


@pytest.mark.parametrize("value", [[1], {"a": 1}, (1,), b"x", object()])
def test_literal_refuses_non_scalars(value: object) -> None:
    with pytest.raises(TypeError):
        quote.literal(value)


def test_literal_of_non_finite_floats_is_valid_python_or_refused() -> None:
    # YAML reads `maximum: .inf` (and JSON reads 1e400) as a float; repr() gives `inf`,
    # which is a NameError in the generated module.
    for value in (math.inf, -math.inf, math.nan):
        try:
            source = quote.literal(value)
        except (TypeError, ValueError):
            continue
        back = eval(source, {"__builtins__": {}, "float": float})  # literals and float() only
        assert (math.isnan(back) and math.isnan(value)) or back == value, source


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_literal_round_trips_any_string(text: str) -> None:
    assert ast.literal_eval(quote.literal(text)) == text


# -- comment ----------------------------------------------------------------------


@pytest.mark.parametrize("text", HOSTILE)
def test_comment_stays_on_one_line(text: str) -> None:
    comment = quote.comment(text)
    assert only_safe_characters(comment)
    assert "\n" not in comment
    tree = ast.parse(f"x = 1  # {comment}\ny = 2\n")
    assert len(tree.body) == 2


# -- docstring --------------------------------------------------------------------------


@pytest.mark.parametrize("text", HOSTILE)
def test_docstring_is_a_safe_docstring_body(text: str) -> None:
    body = quote.docstring(text, 4)
    assert only_safe_characters(body), body
    assert not _NEVER_RAW.search(body)
    doc = parse_doc(body)
    assert words(doc) == words(text)


@pytest.mark.parametrize(
    "text",
    [
        'ends with quotes """',
        'quoted "a" "b""',
        '"""x"""',
        '\\"""',
        'trailing ""\n\n',
    ],
)
def test_docstring_ending_in_quotes(text: str) -> None:
    # A description ending in `"""` came out as `\"\"\\"` + the closing `"""`: a stray quote
    # that opens an unterminated string in the generated module.
    assert words(parse_doc(quote.docstring(text, 4))) == words(text)


def test_docstring_reflows_paragraphs_and_indents_continuations() -> None:
    text = ("word " * 40).strip() + "\n\nSecond paragraph.\n"
    body = quote.docstring(text, 8)
    lines = body.split("\n")
    assert all(len(line) <= 84 for line in lines)
    assert not lines[0].startswith(" ")
    assert all(line.startswith(" " * 8) or not line for line in lines[1:])
    assert "" in lines  # paragraphs stay apart
    assert lines[-1] == " " * 8 + "Second paragraph."


def test_docstring_keeps_list_items_on_their_own_lines() -> None:
    body = quote.docstring("Values:\n\n- Newest first\n- Oldest first\n1. one\n2) two", 4)
    assert "    - Newest first\n    - Oldest first\n    1. one\n    2) two" in body


def test_docstring_does_not_split_hyphenated_words_or_urls() -> None:
    url = "https://example.com/docs/custom-vision-training-api/reference-page"
    for padding in range(30, 85):
        body = quote.docstring("x" * padding + " see " + url + " for more.", 4)
        assert url in body, body


def test_docstring_of_nothing() -> None:
    assert quote.docstring("") == ""
    assert quote.docstring(" \n\n  ") == ""


@settings(max_examples=300, deadline=None)
@given(
    st.text(st.sampled_from("ab \"'\\\n\r\t-.\x00\u2028\u202e😀"), max_size=40) | st.text(),
    st.integers(0, 12),
)
def test_docstring_property(text: str, indent: int) -> None:
    body = quote.docstring(text, indent)
    assert only_safe_characters(body)
    # Hyphen wrapping is covered by its own test; here only escaping is checked.
    unhyphen = re.compile(r"-\s+")
    assert unhyphen.sub("-", words(parse_doc(body))) == unhyphen.sub("-", words(text))


# -- templates print spec text only through quote ----------------------------------------

# IR attributes that hold text from the spec (identifiers, made by names, are not here).
FREE_TEXT = frozenset(
    {
        "default",
        "description",
        "discriminator",
        "example",
        "format",
        "header",
        "media_type",
        "media_types",
        "operation_id",
        "path",
        "scheme",
        "spec_name",
        "summary",
        "tag",
        "title",
        "url",
        "value",
        "version",
        "wire_name",
    }
)
# Filters that quote; every call is Python code of ours (quote, emit, methods), tested there.
QUOTING_FILTERS = frozenset({"comment"})
TEMPLATES = REPO_ROOT / "templates"


def _free_names(tree: nodes.Template) -> set[str]:
    """Loop variables that walk over spec text (``for t in response.media_types``)."""
    found: set[str] = set()
    for loop in tree.find_all(nodes.For):
        if isinstance(loop.iter, nodes.Getattr) and loop.iter.attr in FREE_TEXT:
            found |= {n.name for n in loop.target.find_all(nodes.Name)}
            if isinstance(loop.target, nodes.Name):
                found.add(loop.target.name)
    return found


def _leaks(expr: nodes.Node, free: set[str]) -> list[str]:
    """Spec text that ``expr`` prints as it is."""
    if isinstance(expr, nodes.Call):
        return []
    if isinstance(expr, nodes.Filter) and expr.name in QUOTING_FILTERS:
        return []
    if isinstance(expr, nodes.Getattr) and expr.attr in FREE_TEXT:
        return [f".{expr.attr}"]
    if isinstance(expr, nodes.Name) and expr.name in free:
        return [expr.name]
    if isinstance(expr, nodes.Getattr | nodes.Getitem | nodes.Filter):
        return _leaks(expr.node, free) if expr.node is not None else []
    return [leak for child in expr.iter_child_nodes() for leak in _leaks(child, free)]


def unquoted(source: str) -> list[str]:
    """Every place a template prints spec text without going through ``quote``."""
    tree = jinja2.Environment().parse(source)
    free = _free_names(tree)
    found = []
    for output in tree.find_all(nodes.Output):
        for expr in output.nodes:
            if not isinstance(expr, nodes.TemplateData):
                found += [f"line {expr.lineno}: {leak}" for leak in _leaks(expr, free)]
    return found


def test_templates_print_spec_text_only_through_quote() -> None:
    templates = sorted(TEMPLATES.glob("*.jinja"))
    assert len(templates) >= 8
    found = [
        f"{path.name} {leak}"
        for path in templates
        for leak in unquoted(path.read_text(encoding="utf-8"))
    ]
    assert found == []


@pytest.mark.parametrize(
    ("source", "leaks"),
    [
        ("{{ op.description }}", ["line 1: .description"]),
        ("x = {{ f.wire_name ~ '!' }}", ["line 1: .wire_name"]),
        (
            "{{ (op.summary or op.description) | trim }}",
            ["line 1: .summary", "line 1: .description"],
        ),
        ("{% for t in r.media_types %}{{ t }}{% endfor %}", ["line 1: t"]),
        ("{{ doc(op.description, 4) }}", []),
        ("{{ literal(f.wire_name) }} {{ meta.spec_name | comment }} {{ model.name }}", []),
        ("{% for t in r.media_types %}{{ literal(t) }}{% endfor %}", []),
    ],
)
def test_the_template_check_catches_unquoted_text(source: str, leaks: list[str]) -> None:
    assert unquoted(source) == leaks


def test_header_value_is_visible_ascii() -> None:
    assert quote.header_value("3.3 beta\r\nX-Evil: 1 ü") == "3.3_beta__X-Evil:_1__"


def _escaped_one_by_one(text: str) -> str:
    return "".join(quote._escape_char(c) for c in text)


@settings(max_examples=300)
@given(st.text())
def test_escaping_only_the_unusual_characters_escapes_as_each_one_alone(text: str) -> None:
    # The fast path leaves printable ASCII alone: exactly what _escape_char does with it.
    assert quote._escaped(text) == _escaped_one_by_one(text)
    assert quote.comment(text) == _escaped_one_by_one(text.replace("\n", "\\n"))


def _wrapped_by_textwrap(line: str, width: int, lead: int) -> list[str]:
    import textwrap

    first = " " * lead
    options = {"break_long_words": False, "break_on_hyphens": False}
    wrapped = textwrap.wrap(line, width, initial_indent=first, **options) or [""]  # type: ignore[arg-type]
    return [wrapped[0][len(first) :], *wrapped[1:]]


@settings(max_examples=300)
@given(
    st.text(alphabet=st.sampled_from(list("ab -é.,\u00a0")), max_size=120),
    st.integers(min_value=10, max_value=84),
    st.integers(min_value=0, max_value=20),
)
def test_a_line_that_fits_is_wrapped_as_textwrap_wraps_it(line: str, width: int, lead: int) -> None:
    line = line.rstrip()  # as _paragraphs gives it
    assert quote._wrap_block(["1. " + line], width, lead) == [
        *_wrapped_by_textwrap("1. " + line, width, lead)
    ]
    # A line that looks like a list item keeps its indentation; any other is stripped.
    alone = line if quote._LIST_ITEM.match(line) else line.strip()
    assert quote._wrap_block([line], width, lead) == _wrapped_by_textwrap(alone, width, lead)
