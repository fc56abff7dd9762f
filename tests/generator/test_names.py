"""names: wire spellings to Python identifiers, class names and enum constants."""

from __future__ import annotations

import keyword
from collections.abc import Callable

import pytest
from apiforge import ir, names
from apiforge.names import ClassName, ConstantName, PythonIdentifier
from hypothesis import given, settings
from hypothesis import strategies as st

# The soft keywords of every Python the generated client supports (3.11 has no "type").
SOFT_KEYWORDS_312 = ("_", "case", "match", "type")
# Builtins the generated annotations use: a field spelled like one shadows it in the class
# body, and msgspec then resolves ``list[str]`` against the field instead of the builtin.
ANNOTATION_BUILTINS = ("str", "int", "float", "bool", "bytes", "list")


def is_safe(name: str) -> bool:
    """A name a template may print anywhere an identifier goes."""
    return (
        name.isidentifier()
        and name.isascii()
        and not keyword.iskeyword(name)
        and not keyword.issoftkeyword(name)
    )


@pytest.mark.parametrize(
    ("wire", "expected"),
    [
        ("tagIds", "tag_ids"),
        ("imageUri", "image_uri"),
        ("ETag", "e_tag"),
        ("HTTPStatus", "http_status"),
        ("GeneralProduct", "general_product"),
        ("projectId", "project_id"),
        ("tag_id", "tag_id"),
        ("Training-Key", "training_key"),
        ("image performance", "image_performance"),
        ("a.b/c", "a_b_c"),
        ("__init__", "init"),
        ("x2y", "x_2_y"),
        ("ABCDef", "abc_def"),
        ("café", "cafe"),
        ("naïve", "naive"),
    ],
)
def test_snake(wire: str, expected: str) -> None:
    assert names.snake(wire) == expected


@pytest.mark.parametrize(
    ("wire", "expected"),
    [
        ("image performance", "ImagePerformance"),
        ("orderBy", "OrderBy"),
        ("ETag", "ETag"),
        ("HTTPStatus", "HTTPStatus"),
        ("tag_type", "TagType"),
        ("Training-Key", "TrainingKey"),
        ("ImagePerformance", "ImagePerformance"),
        ("None", "None_"),
        ("true", "True_"),
        ("", "Model"),
    ],
)
def test_class_name(wire: str, expected: str) -> None:
    assert names.class_name(wire) == expected


@pytest.mark.parametrize(
    ("wire", "expected"),
    [
        ("GeneralProduct", "GENERAL_PRODUCT"),
        ("Newest", "NEWEST"),
        ("most-recent", "MOST_RECENT"),
        ("HTTPStatus", "HTTP_STATUS"),
        ("tag_id", "TAG_ID"),
        ("2xx", "VALUE_2_XX"),
        ("", "VALUE"),
    ],
)
def test_constant(wire: str, expected: str) -> None:
    assert names.constant(wire) == expected


@pytest.mark.parametrize(
    ("wire", "expected"),
    [
        ("class", "class_"),
        ("def", "def_"),
        ("return", "return_"),
        ("lambda", "lambda_"),
        ("async", "async_"),
        ("await", "await_"),
        ("None", "none"),
        ("True", "true"),
    ],
)
def test_keywords_get_an_underscore(wire: str, expected: str) -> None:
    assert names.snake(wire) == expected


@pytest.mark.parametrize("word", ["match", "case", "type"])
def test_soft_keywords_get_an_underscore(word: str) -> None:
    assert names.snake(word) == f"{word}_"


@pytest.mark.parametrize("word", ["self", "cls", "msgspec", "httpx", "datetime", "uuid", "enum"])
def test_names_the_generated_modules_use_are_not_shadowed(word: str) -> None:
    assert names.snake(word) == f"{word}_"


def test_annotation_builtins_are_not_shadowed_by_fields() -> None:
    # A model field named ``str`` (annotated ``str | None``) makes msgspec fail with
    # "unsupported operand type(s) for |: 'member_descriptor' and 'NoneType'" on first use.
    assert [w for w in ANNOTATION_BUILTINS if names.snake(w) == w] == []


@pytest.mark.parametrize("word", SOFT_KEYWORDS_312)
def test_names_do_not_depend_on_the_running_python(
    word: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The generated client is a snapshot: the same spec must give the same names whether the
    # generator runs on 3.11 (soft keywords _, case, match) or 3.12+ (also ``type``).
    on_this_python = names.snake(word)
    monkeypatch.setattr(keyword, "issoftkeyword", frozenset(SOFT_KEYWORDS_312).__contains__)
    monkeypatch.setattr(keyword, "softkwlist", list(SOFT_KEYWORDS_312))
    assert names.snake(word) == on_this_python


@pytest.mark.parametrize("make", [names.snake, names.class_name, names.constant])
@pytest.mark.parametrize("wire", ["2xx", "200", "3d-model", "0"])
def test_leading_digits_get_a_prefix(make: Callable[[str], str], wire: str) -> None:
    result = make(wire)
    assert is_safe(result)
    assert not result[0].isdigit()


def test_leading_digit_examples() -> None:
    assert names.snake("2xx") == "value_2_xx"
    assert names.snake("200") == "value_200"
    assert names.constant("200") == "VALUE_200"


@pytest.mark.parametrize("wire", ["", "_", "---", "日本語", "😀", " ", "__"])
def test_nothing_usable_falls_back(wire: str) -> None:
    assert names.snake(wire) == "value"
    assert names.class_name(wire) == "Model"
    assert names.constant(wire) == "VALUE"


def test_names_are_types_for_the_checker_and_text_at_run_time() -> None:
    # mypy tells the kinds apart; at run time each is plain text, which the model's
    # encoding (ir.encode, the caches' keys) holds as it holds any text.
    assert ClassName("Tag") == "Tag" and type(ClassName("Tag")) is str
    for made in (names.snake("tagIds"), names.class_name("tag"), names.constant("tag")):
        assert type(made) is str
        assert ir.encode(made) == ir.encode(str(made))


def test_unique_suffixes_later_duplicates() -> None:
    result = names.unique([names.snake("tagId"), names.snake("tag_id"), names.snake("TagId")])
    assert result == ["tag_id", "tag_id_2", "tag_id_3"]


def test_unique_keeps_order_and_first_spelling() -> None:
    assert names.unique(["b", "a", "b", "c", "a"]) == ["b", "a", "b_2", "c", "a_2"]


def test_unique_never_reuses_a_name_taken_by_a_suffix() -> None:
    result = names.unique(["a", "a", "a_2", "a_2"])
    assert len(set(result)) == len(result) == 4
    assert result[:2] == ["a", "a_2"]


@pytest.mark.parametrize(
    "items",
    [
        [PythonIdentifier("x"), PythonIdentifier("x")],
        [ClassName("Tag"), ClassName("Tag")],
        [ConstantName("A"), ConstantName("A")],
    ],
)
def test_unique_preserves_the_name_type(items: list[str]) -> None:
    result = names.unique(items)
    assert [type(r) for r in result] == [type(items[0])] * len(items)
    assert result[1] == f"{items[0]}_2"


def test_unique_of_nothing() -> None:
    assert names.unique([]) == []


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
def test_every_name_is_a_safe_identifier(wire: str) -> None:
    for make in (names.snake, names.class_name, names.constant):
        result = make(wire)
        assert is_safe(result), (make.__name__, wire, result)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(max_size=12), max_size=12))
def test_unique_names_are_unique_safe_and_aligned(wires: list[str]) -> None:
    result = names.unique([names.snake(w) for w in wires])
    assert len(result) == len(wires)
    assert len(set(result)) == len(result)
    assert all(is_safe(r) for r in result)
    # Each name is its input, or its input with a numeric suffix; the first is never changed.
    for wire, got in zip(wires, result, strict=True):
        base = names.snake(wire)
        assert got == base or (got.startswith(f"{base}_") and got.rsplit("_", 1)[1].isdigit())
    if wires:
        assert result[0] == names.snake(wires[0])


@pytest.mark.parametrize(
    ("title", "client", "package"),
    [
        (
            "Medcorder Nearby Doctor API",
            "MedcorderNearbyDoctorApiClient",
            "medcorder_nearby_doctor_api",
        ),
        (
            "Custom Vision Training Client",
            "CustomVisionTrainingClient",
            "custom_vision_training_client",
        ),
        ("Swagger Petstore", "SwaggerPetstoreClient", "swagger_petstore"),
        ("HTTPBin v2.1", "HttpBinV21Client", "http_bin_v_2_1"),
        ("Ünïcödé API", "UnicodeApiClient", "unicode_api"),
        ("Email", "EmailClient", "email_client"),  # not the standard library's email
        ("class", "ClassClient", "class_client"),  # not a keyword
    ],
)
def test_client_and_package_are_named_after_the_title(
    title: str, client: str, package: str
) -> None:
    assert names.client_class(title) == client
    assert names.package_name(title, "spec") == package
    assert package.isidentifier() and package.isascii()


@pytest.mark.parametrize("title", ["", "   ", "3D", "日本語", "!!!"])
def test_package_name_falls_back_to_the_file_name(title: str) -> None:
    assert names.package_name(title, "doctors-nearby.v2") == "doctors_nearby_v_2"
    assert names.package_name(title, "") == "api_client"
    assert names.client_class(title).endswith("Client")
