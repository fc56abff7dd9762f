"""The corpus clients (``tests/specs/*/expected``) against a real HTTP server on 127.0.0.1.

Each test loads the package of one or more constructs (``corpus.load``: the expected files
plus the runtime modules; every spelling of a construct generates it), points
its client at a ``ScriptedServer`` and checks what went over the wire and what came back.
Requests go through httpx's real transport; nothing is mocked.
"""

from __future__ import annotations

import asyncio
import datetime
import email.parser
import email.policy
import json
from types import ModuleType
from typing import Any
from urllib.parse import parse_qsl

import msgspec
import pytest
from support.corpus import load
from support.http_server import RecordedRequest, Reply, ScriptedServer

KEY = "k-0123456789"


def client_class(module: ModuleType, is_async: bool = False) -> Any:
    """The package's client class (or its async twin)."""
    (name,) = [n for n in module.__all__ if n.endswith("Client") and not n.startswith("Async")]
    return getattr(module, f"Async{name}" if is_async else name)


def make(case: str, server: ScriptedServer, *args: Any, **kwargs: Any) -> tuple[ModuleType, Any]:
    """The package of ``case`` and its sync client aimed at ``server`` (no retries)."""
    module = load(case)
    return module, client_class(module)(server.url, *args, max_retries=0, **kwargs)


def only(server: ScriptedServer) -> RecordedRequest:
    """The one request the server received."""
    (request,) = server.requests
    return request


def json_body(request: RecordedRequest) -> Any:
    assert request.headers["content-type"].split(";")[0] == "application/json"
    return json.loads(request.body)


def form_parts(request: RecordedRequest) -> list[tuple[str, str | None, bytes]]:
    """A multipart/form-data body as (name, file name or None, content), in order."""
    content_type = request.headers["content-type"]
    assert content_type.startswith("multipart/form-data; boundary=")
    head = f"Content-Type: {content_type}\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + request.body)
    parts = []
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        parts.append((str(name), part.get_filename(), part.get_payload(decode=True)))
    return parts


# --- discriminated unions --------------------------------------------------------------------

UNION_CASES = ["discriminated-union"]
PARROT = {"petType": "parrot", "name": "Polly", "words": ["hello", 3], "nested": {"a": None}}


@pytest.mark.parametrize("case", UNION_CASES)
def test_union_decodes_each_variant_by_its_tag(case: str, server: ScriptedServer) -> None:
    server.enqueue(
        Reply.json({"petType": "cat", "name": "Tom", "lives": 9}),
        Reply.json({"petType": "dog", "name": "Rex", "goodBoy": True}),
    )
    module, client = make(case, server)
    with client:
        cat = client.get_pet("p1")
        dog = client.get_pet("p2")
    assert cat == module.Cat(pet_type="cat", name="Tom", lives=9)
    assert dog == module.Dog(pet_type="dog", name="Rex", good_boy=True)
    assert [r.path for r in server.requests] == ["/pets/p1", "/pets/p2"]


@pytest.mark.parametrize("case", UNION_CASES)
def test_union_keeps_an_unknown_tag_raw_and_sends_it_back_unchanged(
    case: str, server: ScriptedServer
) -> None:
    server.enqueue(Reply.json(PARROT), Reply(204))
    module, client = make(case, server)
    with client:
        pet = client.get_pet("p3")
        assert isinstance(pet, module.UnknownVariant)
        assert pet.tag == "parrot"
        assert pet.raw == PARROT
        assert client.put_pet("p3", body=pet) is None
    put = server.requests[1]
    assert (put.method, put.path) == ("PUT", "/pets/p3")
    assert json_body(put) == PARROT


@pytest.mark.parametrize("case", UNION_CASES)
def test_union_variant_is_encoded_with_its_wire_names(case: str, server: ScriptedServer) -> None:
    server.enqueue(Reply(204))
    module, client = make(case, server)
    with client:
        client.put_pet("p4", body=module.Dog(pet_type="dog", name="Rex", good_boy=False))
    assert json_body(only(server)) == {"petType": "dog", "name": "Rex", "goodBoy": False}


@pytest.mark.parametrize("case", UNION_CASES)
def test_union_inside_models_and_lists_and_without_a_mapping(
    case: str, server: ScriptedServer
) -> None:
    # ``mascot`` is an anyOf without a mapping: its tags are the schema names.
    shelter = {
        "residents": [{"petType": "cat", "name": "Tom"}, {"name": "no tag"}, PARROT],
        "mascot": {"petType": "Dog", "name": "Rex"},
    }
    server.enqueue(Reply.json(shelter))
    module, client = make(case, server)
    with client:
        got = client.get_shelter("s1")
    cat, untagged, parrot = got.residents
    assert cat == module.Cat(pet_type="cat", name="Tom")
    assert isinstance(untagged, module.UnknownVariant) and untagged.tag is None
    assert untagged.raw == {"name": "no tag"}
    assert isinstance(parrot, module.UnknownVariant) and parrot.raw == PARROT
    assert got.mascot == module.Dog(pet_type="Dog", name="Rex")


def test_union_decoding_on_the_async_client(server: ScriptedServer) -> None:
    server.enqueue(Reply.json({"petType": "cat", "name": "Tom"}), Reply.json(PARROT))
    module = load("discriminated-union")

    async def main() -> list[Any]:
        async with client_class(module, is_async=True)(server.url, max_retries=0) as client:
            return [await client.get_pet("a"), await client.get_pet("b")]

    cat, parrot = asyncio.run(main())
    assert cat == module.Cat(pet_type="cat", name="Tom")
    assert isinstance(parrot, module.UnknownVariant) and parrot.raw == PARROT


def test_union_variant_that_breaks_its_schema_is_a_decode_error(server: ScriptedServer) -> None:
    server.enqueue(Reply.json({"petType": "cat", "lives": 9}))  # name is required
    module, client = make("discriminated-union", server)
    with client, pytest.raises(module.ResponseDecodeError):
        client.get_pet("p1")


def test_discriminator_on_an_all_of_base_decodes_the_subtype(server: ScriptedServer) -> None:
    # Polymorphism: a discriminator on Pet, Cat/Dog allOf Pet, tagged by the mapping (3.x)
    # or x-ms-discriminator-value (2.0). A cat must come back as a Cat, its ``lives`` kept;
    # the base's own tag gives the base.
    server.enqueue(
        Reply.json({"kind": "cat", "name": "Tom", "lives": 9}),
        Reply.json({"kind": "pet", "name": "Any"}),
    )
    module, client = make("discriminator-all-of", server)
    with client:
        pet = client.get_pet("p1")
        base = client.get_pet("p2")
    assert isinstance(pet, module.Cat), f"decoded as {type(pet).__name__}: {pet!r}"
    assert (pet.kind, pet.name, pet.lives) == ("cat", "Tom", 9)
    assert type(base) is module.Pet and base == module.Pet(kind="pet", name="Any")


def test_discriminator_without_tags_uses_the_schema_names(server: ScriptedServer) -> None:
    server.enqueue(
        Reply.json({"type": "Car", "wheels": 4, "seats": 5}),
        Reply.json({"type": "Vehicle"}),
    )
    module, client = make("discriminator-all-of", server)
    with client:
        car = client.get_vehicle("v1")
        vehicle = client.get_vehicle("v2")
    assert car == module.Car(type_="Car", wheels=4, seats=5)
    assert type(vehicle) is module.Vehicle


# --- unions without a discriminator ---------------------------------------------------------

CARD = {"cardNumber": "4111 1111", "holder": "Ada", "expires": "12/30"}
TRANSFER = {"iban": "DE89 3704", "holder": "Ada", "reference": "invoice 7"}


def test_untagged_union_told_apart_by_a_required_property(server: ScriptedServer) -> None:
    server.enqueue(Reply.json(CARD), Reply.json({"iban": "DE89 3704", "holder": "Bo"}))
    module, client = make("union-required-property", server)
    with client:
        card = client.get_payment_method("p1")
        transfer = client.get_payment_method("p2")
    assert card == module.Card(card_number="4111 1111", holder="Ada", expires="12/30")
    assert transfer == module.BankTransfer(iban="DE89 3704", holder="Bo")


def test_properties_beside_a_union_belong_to_each_alternative(server: ScriptedServer) -> None:
    # GitHub's check run body: name beside a oneOf on status; before, each alternative
    # held status alone and `name` never reached the wire.
    server.enqueue(
        Reply.json({"name": "lint", "status": "queued"}, status=201),
        Reply.json({"score": 0.5, "bark": 3}),
    )
    module, client = make("union-shared-properties", server)
    with client:
        done = module.RunRequestOption0Status.COMPLETED
        sent = module.RunRequestOption0(name="lint", status=done, conclusion="ok")
        queued = client.create_run(body=sent)
        found = client.search(body=module.Query(tag="dog"))
    run, search = server.requests
    assert json_body(run) == {"name": "lint", "status": "completed", "conclusion": "ok"}
    assert queued == module.RunRequestOption1(
        name="lint", status=module.RunRequestOption1Status.QUEUED
    )
    assert json_body(search) == {"tag": "dog"}
    assert found == module.FoundOption1(score=0.5, bark=3)
    assert isinstance(found, module.Dog)


def test_untagged_union_in_lists_and_nullable_fields(server: ScriptedServer) -> None:
    payments = [
        {"id": "a", "amount": 10, "method": CARD, "refundTo": TRANSFER},
        {"id": "b", "amount": 2.5, "method": TRANSFER, "refundTo": None},
        {"id": "c", "amount": 1, "method": TRANSFER},
    ]
    server.enqueue(Reply.json(payments))
    module, client = make("union-required-property", server)
    with client:
        a, b, c = client.list_payments()
    assert type(a.method) is module.Card and type(a.refund_to) is module.BankTransfer
    assert type(b.method) is module.BankTransfer and b.refund_to is None
    assert c.refund_to is None
    assert c.method == module.BankTransfer(iban="DE89 3704", holder="Ada", reference="invoice 7")


def test_untagged_union_variant_is_sent_unchanged(server: ScriptedServer) -> None:
    server.enqueue(Reply.json(TRANSFER), Reply(204))
    module, client = make("union-required-property", server)
    with client:
        got = client.get_payment_method("p1")
        client.set_payment_method("p1", body=got)
    assert type(got) is module.BankTransfer
    assert json_body(server.requests[1]) == TRANSFER


def test_untagged_union_without_what_any_variant_requires_is_a_decode_error(
    server: ScriptedServer,
) -> None:
    server.enqueue(Reply.json({"holder": "Ada"}), Reply.json(["not", "an", "object"]))
    module, client = make("union-required-property", server)
    with client:
        with pytest.raises(module.ResponseDecodeError, match="required property is missing"):
            client.get_payment_method("p1")
        with pytest.raises(module.ResponseDecodeError, match="expected object, got array"):
            client.get_payment_method("p2")


@pytest.mark.parametrize("case", ["union-enum-property", "union-const-property"])
def test_untagged_union_told_apart_by_a_fixed_value(case: str, server: ScriptedServer) -> None:
    shapes = [{"type": "square", "size": 2}, {"type": "circle", "size": 1.5}]
    server.enqueue(Reply.json(shapes), Reply.json(shapes[1], status=201))
    module, client = make(case, server)
    with client:
        square, circle = client.list_shapes()
        added = client.add_shape(body=circle)
    assert (type(square), square.size) == (module.Square, 2.0)
    assert (type(circle), circle.size) == (module.Circle, 1.5)
    assert added == circle
    assert json_body(server.requests[1]) == {"type": "circle", "size": 1.5}


@pytest.mark.parametrize("case", ["union-enum-property", "union-const-property"])
def test_untagged_union_value_no_variant_fixes_is_a_decode_error(
    case: str, server: ScriptedServer
) -> None:
    # The enum is open: alone, CircleType would keep "hexagon"; in the union it decides.
    server.enqueue(Reply.json([{"type": "hexagon", "size": 1}]))
    module, client = make(case, server)
    with client, pytest.raises(module.ResponseDecodeError, match=r"constant differs.*\$\[0\]"):
        client.list_shapes()


def test_untagged_union_told_apart_by_json_kind_then_string_format(
    server: ScriptedServer,
) -> None:
    window = {"start": "2024-05-01T09:00:00Z", "end": "2024-05-01T10:00:00Z"}
    whens = ["2024-05-01T09:00:00Z", "2024-05-01", 3600, window, [window, window]]
    server.enqueue(*(Reply.json({"text": "call", "when": w}) for w in whens))
    module, client = make("union-json-kinds", server)
    with client:
        moment, day, seconds, one, several = (client.get_reminder(str(i)).when for i in range(5))
    utc = datetime.UTC
    assert moment == datetime.datetime(2024, 5, 1, 9, tzinfo=utc)
    assert type(day) is datetime.date and day == datetime.date(2024, 5, 1)
    assert type(seconds) is int and seconds == 3600
    expected = module.Window(
        start=datetime.datetime(2024, 5, 1, 9, tzinfo=utc),
        end=datetime.datetime(2024, 5, 1, 10, tzinfo=utc),
    )
    assert one == expected and several == [expected, expected]


def test_untagged_union_of_kinds_round_trip_and_refusals(server: ScriptedServer) -> None:
    server.enqueue(
        Reply(204),
        Reply.json({"text": "x", "when": True}),
        Reply.json({"text": "x", "when": "next tuesday"}),
        Reply.json({"text": "x", "when": 1.5}),
    )
    module, client = make("union-json-kinds", server)
    with client:
        client.put_reminder("r", body=module.Reminder(text="x", when=datetime.date(2024, 5, 1)))
        with pytest.raises(module.ResponseDecodeError, match="got boolean"):
            client.get_reminder("a")
        with pytest.raises(module.ResponseDecodeError, match="Invalid RFC3339"):
            client.get_reminder("b")
        with pytest.raises(module.ResponseDecodeError, match="got number"):
            client.get_reminder("c")
    assert json_body(server.requests[0]) == {"text": "x", "when": "2024-05-01"}


def test_closed_key_set_keeps_a_company_from_being_a_person(server: ScriptedServer) -> None:
    contacts = [
        {"name": "Ada", "email": "ada@example.com"},
        # A company may carry more than it declares: without Person's closed key set it
        # would be taken for the person declaring name, email and phone.
        {"name": "Acme", "vatId": "DE1", "email": "info@acme.example", "phone": "+49 1"},
        {"name": "Bo", "phone": "+49 2", "birthday": "1990-02-01"},
    ]
    server.enqueue(Reply.json(contacts))
    module, client = make("union-closed-keys", server)
    with client:
        ada, acme, bo = client.list_contacts()
    assert ada == module.Person(name="Ada", email="ada@example.com")
    assert acme == module.Company(name="Acme", vat_id="DE1")
    assert bo == module.Person(name="Bo", phone="+49 2", birthday=datetime.date(1990, 2, 1))


def test_overlapping_alternatives_follow_the_documented_rule(server: ScriptedServer) -> None:
    labels = [
        {"name": "fits both"},  # only what both declare: the first listed
        {"name": "p", "priority": 2},  # PriorityLabel declares more of its keys
        {"name": "c", "color": "red"},
        # ColorLabel declares color but cannot decode it: the next that decodes does
        {"name": "odd", "color": 7},
    ]
    server.enqueue(Reply.json(labels))
    module, client = make("union-overlapping", server)
    with client:
        both, priority, color, odd = client.list_labels()
    assert both == module.ColorLabel(name="fits both")
    assert priority == module.PriorityLabel(name="p", priority=2)
    assert color == module.ColorLabel(name="c", color="red")
    assert odd == module.PriorityLabel(name="odd")


def test_overlapping_scalars_go_to_the_first_listed_that_allows_them(
    server: ScriptedServer,
) -> None:
    uuid_text = "c232ab00-9414-11ec-b3c8-9f6bdeced846"
    server.enqueue(
        Reply.json({"ref": uuid_text, "level": "medium"}),
        Reply.json({"ref": "r-1", "level": "high"}),
        Reply.json({"ref": "r-2", "level": "urgent"}),
    )
    module, client = make("union-overlapping", server)
    with client:
        first = client.get_item("1")
        second = client.get_item("2")
        with pytest.raises(module.ResponseDecodeError, match="no alternative allows this string"):
            client.get_item("3")
    # A plain string listed first takes every string, a UUID's too (the warning says so).
    assert first.ref == uuid_text and type(first.ref) is str
    assert first.level is module.ItemLevelOption0.MEDIUM  # listed by both: the first
    assert second.level is module.ItemLevelOption1.HIGH


PAGE = {
    "title": "Home",
    "items": [
        {"text": "Hello", "style": {"font": "serif", "size": 12}},
        {"text": "Note", "style": {"highlight": "yellow"}},
        {"src": "cat.png", "caption": "A cat"},
        {"divider": True},
        "plain text",
        {"text": "bare"},
    ],
}


def test_nested_unions_decode_each_level(server: ScriptedServer) -> None:
    server.enqueue(Reply.json(PAGE))
    module, client = make("union-nested", server)
    with client:
        page = client.get_page("home")
    hello, note, figure, divider, text, bare = page.items
    assert hello == module.Paragraph(text="Hello", style=module.Font(font="serif", size=12))
    assert note.style == module.Highlight(highlight="yellow")
    assert figure == module.Figure(src="cat.png", caption="A cat")
    assert divider == module.Divider(divider=True)
    assert text == "plain text"
    assert bare == module.Paragraph(text="bare")


def test_nested_unions_round_trip_unchanged(server: ScriptedServer) -> None:
    server.enqueue(Reply.json(PAGE), Reply(204), Reply.json({"title": "x", "items": [{}]}))
    module, client = make("union-nested", server)
    with client:
        client.put_page("home", body=client.get_page("home"))
        with pytest.raises(module.ResponseDecodeError, match=r"\$.items\[0\]"):
            client.get_page("broken")
    assert json_body(server.requests[1]) == PAGE


JSON_VALUE = {
    "name": "config",
    "limits": [1.5, 2, {"deep": [[], {}, "x", False]}],
    "flags": {"on": True, "off": False},
    "nested": [[["three levels"]]],
}
TREE = {
    "name": "root",
    "children": [
        {"value": "leaf a"},
        {"name": "branch", "children": [{"value": "leaf b"}, {"name": "twig"}]},
    ],
}


def test_recursive_unions_decode_nested_values(server: ScriptedServer) -> None:
    server.enqueue(Reply.json({"id": "d1", "data": JSON_VALUE, "root": TREE}))
    module, client = make("union-recursive", server)
    with client:
        document = client.get_document("d1")
    assert document.data == JSON_VALUE
    assert type(document.data["limits"][1]) is float  # a JSON number, as the spec says
    leaf_a, branch = document.root.children
    assert leaf_a == module.Leaf(value="leaf a")
    assert type(branch) is module.Node and branch.name == "branch"
    assert branch.children == [module.Leaf(value="leaf b"), module.Node(name="twig")]


def test_recursive_unions_round_trip_unchanged(server: ScriptedServer) -> None:
    server.enqueue(
        Reply.json({"id": "d1", "data": JSON_VALUE, "root": TREE}),
        Reply(204),
        Reply.json(JSON_VALUE),
    )
    _, client = make("union-recursive", server)
    with client:
        client.put_document("d1", body=client.get_document("d1"))
        echoed = client.echo(body=JSON_VALUE)
    assert json_body(server.requests[1]) == {"id": "d1", "data": JSON_VALUE, "root": TREE}
    assert json_body(server.requests[2]) == JSON_VALUE
    assert echoed == JSON_VALUE


@pytest.mark.parametrize("value", [None, [1, None], {"a": {"b": [None]}}])
def test_recursive_union_refuses_what_it_does_not_allow(value: Any, server: ScriptedServer) -> None:
    server.enqueue(Reply.json(value))
    module, client = make("union-recursive", server)
    with client, pytest.raises(module.ResponseDecodeError, match="got null"):
        client.echo(body="x")


def test_recursive_unions_on_the_async_client(server: ScriptedServer) -> None:
    server.enqueue(Reply.json({"id": "d1", "root": TREE}), Reply.json([JSON_VALUE]))
    module = load("union-recursive")

    async def main() -> list[Any]:
        async with client_class(module, is_async=True)(server.url, max_retries=0) as client:
            return [await client.get_document("d1"), await client.echo(body=[JSON_VALUE])]

    document, echoed = asyncio.run(main())
    assert document.root.children[0] == module.Leaf(value="leaf a")
    assert echoed == [JSON_VALUE]


def test_maps_and_lists_of_themselves(server: ScriptedServer) -> None:
    tree = {"src": {"main.py": {}, "lib": {"util.py": {}}}, "README.md": {}}
    nesting = [[], [[], [[]]]]
    server.enqueue(Reply.json(tree), Reply(204), Reply.json(nesting), Reply.json({"a": []}))
    module, client = make("recursive-collections", server)
    with client:
        got = client.get_tree()
        client.put_tree(body=got)
        assert client.get_nesting() == nesting
        with pytest.raises(module.ResponseDecodeError, match="expected object, got array"):
            client.get_tree()
    assert got == tree
    assert json_body(server.requests[1]) == tree


def test_all_of_child_that_its_base_refers_to_is_one_class(server: ScriptedServer) -> None:
    category = {"name": "tools", "size": 3, "related": [{"name": "garden", "related": []}]}
    server.enqueue(Reply.json(category))
    module, client = make("recursive-collections", server)
    with client:
        got = client.get_category("c1")
    assert got == module.Category(
        name="tools", size=3, related=[module.Category(name="garden", related=[])]
    )
    assert issubclass(module.Category, module.Named)
    assert not hasattr(module, "Category2")


# --- allOf -------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", ["all-of-inheritance"])
def test_all_of_child_decodes_with_its_base_fields(case: str, server: ScriptedServer) -> None:
    wire = {"name": "Ada", "email": "ada@example.com", "employeeId": 7, "team": "core"}
    server.enqueue(Reply.json(wire), Reply.json({"employeeId": 8}))
    module, client = make(case, server)
    with client:
        employee = client.get_employee("e7")
        assert isinstance(employee, module.Employee)
        assert isinstance(employee, module.Person)
        assert (employee.name, employee.email) == ("Ada", "ada@example.com")
        assert (employee.employee_id, employee.team) == (7, "core")
        with pytest.raises(module.ResponseDecodeError):  # the base's required name is missing
            client.get_employee("e8")


@pytest.mark.parametrize("case", ["all-of-merged"])
def test_all_of_merged_model_has_every_parts_fields(case: str, server: ScriptedServer) -> None:
    wire = {"name": "spec", "created": "2024-05-01T12:00:00Z", "pages": 3}
    server.enqueue(Reply.json(wire))
    module, client = make(case, server)
    with client:
        document = client.get_document("d1")
    assert document == module.Document(
        name="spec",
        created=datetime.datetime(2024, 5, 1, 12, tzinfo=datetime.UTC),
        pages=3,
    )


def test_all_of_with_required_beside_it_requires_the_parts_fields(server: ScriptedServer) -> None:
    """``allOf: [Check], required: [name, target]``: the body's model requires both (they
    go on the wire every time); Check alone keeps them optional."""
    server.enqueue(Reply.json({"name": "n"}))
    module, client = make("all-of-required", server)
    with pytest.raises(TypeError):
        module.CreateCheckBody(name="n")
    with client:
        check = client.create_check(body=module.CreateCheckBody(name="n", target="https://t"))
    assert check == module.Check(name="n")
    assert json_body(only(server)) == {"name": "n", "target": "https://t"}


# --- request bodies ----------------------------------------------------------------------------


def test_write_only_fields_are_sent_and_may_be_absent_from_answers(
    server: ScriptedServer,
) -> None:
    # apideck.com's SharedLink requires the write-only target_id, which no answer holds.
    module, client = make("write-only", server)
    server.enqueue(Reply.json({"scope": "company", "url": "https://s/1"}, status=201))
    with client:
        got = client.create_share(body=module.Share(target_id="f1", secret="k", scope="company"))
    assert json_body(only(server)) == {"target_id": "f1", "secret": "k", "scope": "company"}
    assert got == module.Share(scope="company", url="https://s/1")
    assert got.target_id is None


def test_read_only_fields_are_not_sent_but_are_decoded(server: ScriptedServer) -> None:
    module, client = make("read-only", server)
    created = datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC)
    sent = module.Widget(
        id="w1",
        etag="e1",
        revision=3,
        version=4,
        created=created,
        name="gear",
        part=module.Part(serial="S-1", label="left"),
        labels=[module.Label(key="k", created_by="me")],
    )
    answer = {
        "id": "w1",
        "etag": "e1",
        "revision": 3,
        "created": "2024-01-01T00:00:00Z",
        "name": "gear",
    }
    server.enqueue(Reply.json(answer, status=201))
    with client:
        got = client.create_widget(body=sent)
    request = only(server)
    assert (request.method, request.url_path) == ("POST", "/widgets")
    assert json_body(request) == {
        "name": "gear",
        "part": {"label": "left"},
        "labels": [{"key": "k"}],
    }
    assert (got.id, got.etag, got.revision, got.created) == ("w1", "e1", 3, created)


def test_multipart_upload_sends_the_file_part(server: ScriptedServer) -> None:
    payload = bytes(range(256)) * 4
    server.enqueue(Reply.json({"id": "d1", "size": 1024}, status=201))
    module, client = make("multipart", server)
    with client:
        got = client.upload_document(file=payload, title="a cat", pages=2, tags=["x", "y"])
    assert got == module.Document(id="d1", size=1024)
    parts = form_parts(only(server))
    files = [p for p in parts if p[1] is not None]
    assert [(name, content) for name, _, content in files] == [("file", payload)]
    assert sorted(p for p in parts if p[1] is None) == [
        ("pages", None, b"2"),
        ("tags", None, b"x"),
        ("tags", None, b"y"),
        ("title", None, b"a cat"),
    ]


def test_multipart_upload_sends_a_file_object_with_its_name(
    server: ScriptedServer, tmp_path: Any
) -> None:
    path = tmp_path / "scan.pdf"
    path.write_bytes(b"%PDF-1.7 ...")
    server.enqueue(Reply.json({"id": "d2"}, status=201))
    _, client = make("multipart", server)
    with client, path.open("rb") as handle:
        client.upload_document(file=handle)
    assert form_parts(only(server)) == [("file", "scan.pdf", b"%PDF-1.7 ...")]


def test_multipart_body_with_an_optional_file_given(server: ScriptedServer) -> None:
    server.enqueue(Reply(204))
    _, client = make("multipart", server)
    with client:
        assert client.update_document("d1", attachment=b"PK\x03\x04", title="New") is None
    request = only(server)
    assert (request.method, request.path) == ("PATCH", "/documents/d1")
    assert sorted(form_parts(request)) == [
        ("attachment", "attachment", b"PK\x03\x04"),
        ("title", None, b"New"),
    ]


def test_multipart_body_without_any_file_is_still_multipart(server: ScriptedServer) -> None:
    # The operation declares multipart/form-data only; leaving out the optional file must
    # not turn the body into application/x-www-form-urlencoded.
    server.enqueue(Reply(204))
    _, client = make("multipart", server)
    with client:
        client.update_document("d1", title="New")
    assert form_parts(only(server)) == [("title", None, b"New")]


def test_multipart_bytes_are_a_file_part_not_text(server: ScriptedServer) -> None:
    # A file property (3.1: ``type: string, contentMediaType: ...``; 3.0: format: binary;
    # 2.0: type: file). The bytes must travel as a file part, not as the text "b'...'".
    server.enqueue(Reply.json({"id": "d3"}, status=201))
    _, client = make("multipart", server)
    with client:
        client.upload_document(file=b"%PDF-1.7")
    parts = form_parts(only(server))
    assert [(name, content) for name, filename, content in parts if filename] == [
        ("file", b"%PDF-1.7")
    ]


def test_form_urlencoded_body(server: ScriptedServer) -> None:
    server.enqueue(Reply.json({"session": "s1"}))
    _, client = make("form-urlencoded", server)
    with client:
        got = client.login(
            username="ada", password="p w&=", remember=True, ttl=5, scopes=["a", "b"]
        )
    request = only(server)
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert parse_qsl(request.body.decode("ascii"), keep_blank_values=True) == [
        ("username", "ada"),
        ("password", "p w&="),
        ("remember", "true"),
        ("ttl", "5"),
        ("scopes", "a"),
        ("scopes", "b"),
    ]
    assert got.session == "s1"


def test_form_without_files_is_urlencoded_and_sends_only_what_is_given(
    server: ScriptedServer,
) -> None:
    server.enqueue(Reply.json({"session": "t", "expires_in": 60}))
    _, client = make("form-urlencoded", server)
    with client:
        got = client.login(username="client", password="secret", ttl=5)
    request = only(server)
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert parse_qsl(request.body.decode("ascii")) == [
        ("username", "client"),
        ("password", "secret"),
        ("ttl", "5"),
    ]
    assert (got.session, got.expires_in) == ("t", 60)


def test_form_fields_from_all_of_parts_are_arguments(server: ScriptedServer) -> None:
    server.enqueue(Reply(204))
    _, client = make("form-fields-composed", server)
    with client:
        client.login(username="ada", password="p w&=", remember=False)
    request = only(server)
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert parse_qsl(request.body.decode("ascii")) == [
        ("username", "ada"),
        ("password", "p w&="),
        ("remember", "false"),
    ]


def test_form_naming_no_field_takes_a_mapping(server: ScriptedServer) -> None:
    server.enqueue(Reply(204), Reply(204))
    module, client = make("form-fields-composed", server)

    async def main() -> None:
        async with client_class(module, is_async=True)(server.url, max_retries=0) as aclient:
            await aclient.add_note(fields={"text": "a&b", "tag": "x"})

    with client:
        client.add_note(fields={"text": "héllo", "tag": "y"})
    asyncio.run(main())
    sync, async_ = server.requests
    for request, text, tag in ((sync, "héllo", "y"), (async_, "a&b", "x")):
        assert request.headers["content-type"] == "application/x-www-form-urlencoded"
        body = parse_qsl(request.body.decode("ascii"))
        assert body == [("text", text), ("tag", tag)]


def test_multipart_naming_no_field_takes_parts_by_name(server: ScriptedServer) -> None:
    server.enqueue(Reply(204), Reply(204))
    _, client = make("form-fields-composed", server)
    with client:
        client.upload(fields={"file": b"%PDF", "title": "Doc", "tags": ["a", 2]})
        client.upload()
    sent, empty = server.requests
    assert form_parts(sent) == [
        ("file", "file", b"%PDF"),
        ("title", None, b"Doc"),
        ("tags", None, b"a"),
        ("tags", None, b"2"),
    ]
    assert empty.body == b""


def test_named_body_is_sent_as_json(server: ScriptedServer) -> None:
    server.enqueue(Reply.json({"item": "tea", "quantity": 2}, status=201), Reply(204))
    module, client = make("body-parameter", server)
    with client:
        order = client.create_order(order=module.Order(item="tea", quantity=2))
        assert client.add_notes("o1", notes=["hot", "now"]) is None
    create, notes = server.requests
    assert json_body(create) == {"item": "tea", "quantity": 2}
    assert order == module.Order(item="tea", quantity=2)
    assert (notes.path, json_body(notes)) == ("/orders/o1/notes", ["hot", "now"])


def test_several_body_media_types_prefer_json_then_a_form(server: ScriptedServer) -> None:
    server.enqueue(Reply.json({"text": "hi"}, status=201), Reply(204))
    module, client = make("media-types", server)
    with client:
        note = client.create_note(body=module.Note(text="hi", pinned=True))
        client.import_notes(csv="a,b")
    create, imported = server.requests
    assert json_body(create) == {"text": "hi", "pinned": True}
    assert note == module.Note(text="hi")
    assert imported.headers["content-type"] == "application/x-www-form-urlencoded"
    assert parse_qsl(imported.body.decode("ascii")) == [("csv", "a,b")]


def test_xml_answer_is_decoded_when_asked_for(server: ScriptedServer) -> None:
    xml = b"<Note><id>n1</id><text>hello</text></Note>"
    server.enqueue(Reply(200, {"Content-Type": "application/xml"}, xml))
    module, client = make("media-types", server)
    with client:
        note = client.get_note("n1", accept="application/xml")
    assert only(server).headers["accept"] == "application/xml"
    assert note == module.Note(id="n1", text="hello")


def test_an_object_under_a_media_range_is_asked_for_as_json(server: ScriptedServer) -> None:
    """``*/*`` (Swagger 2.0 without ``produces``) with an object schema: JSON is what
    travels, so the client asks for it and decodes the model, not bytes."""
    server.enqueue(Reply.json({"id": "n1", "text": "short"}), Reply.json({"text": "n2"}))
    module, client = make("media-types", server)
    with client:
        summary = client.get_note_summary("n1")
        client.get_note_summary("n2", accept="*/*")
    assert summary == module.Note(id="n1", text="short")
    assert [r.headers["accept"] for r in server.requests] == ["application/json", "*/*"]


def test_an_object_under_a_media_range_is_sent_as_json(server: ScriptedServer) -> None:
    server.enqueue(Reply(204))
    module, client = make("media-types", server)
    with client:
        client.set_note_summary("n1", body=module.Note(text="short"))
    request = only(server)
    assert request.headers["content-type"] == "application/json"
    assert json_body(request) == {"text": "short"}


def test_a_json_media_range_is_chosen_last_and_sent_as_json(server: ScriptedServer) -> None:
    """ASP.NET's ``application/*+json`` (listed first by configcat.com, say) is a range,
    no Content-Type: application/json is chosen over it, and sent where it is alone."""
    server.enqueue(Reply(204), Reply(204))
    module, client = make("media-types", server)
    with client:
        client.create_notes(body=[module.Note(text="a")])
        client.replace_notes(body=[module.Note(text="b")])
    created, replaced = server.requests
    assert [json_body(created), json_body(replaced)] == [[{"text": "a"}], [{"text": "b"}]]
    assert replaced.headers["content-type"] == "application/json"


def test_without_a_success_answer_accept_names_the_declared_types(
    server: ScriptedServer,
) -> None:
    # shutterstock.com's authorize declares only a 302 of text/html: asking for JSON
    # there gets a 406 from a strict server (Prism).
    server.enqueue(Reply(302, {"Location": "/login", "Content-Type": "text/html"}, b"<a/>"))
    module, client = make("media-types", server)
    with client, pytest.raises(module.ApiStatusError) as raised:
        client.sign_in()
    assert raised.value.status_code == 302
    assert only(server).headers["accept"] == "text/html"


def test_an_xml_answer_of_a_string_schema_is_the_document(server: ScriptedServer) -> None:
    # Azure Policy Insights' $metadata: the OData document itself, declared `type: string`.
    xml = b'<edmx:Edmx Version="4.0" xmlns:edmx="urn:x"><edmx:DataServices/></edmx:Edmx>'
    server.enqueue(Reply(200, {"Content-Type": "application/xml"}, xml))
    _, client = make("media-types", server)
    with client:
        assert client.get_notes_schema() == xml.decode()
    assert only(server).headers["accept"] == "application/xml"


def test_an_empty_path_value_is_refused_before_sending(server: ScriptedServer) -> None:
    # AWS Evidently's /projects/{project}/evaluations: '' would send /projects//evaluations.
    _, client = make("media-types", server)
    with client, pytest.raises(ValueError, match="id is empty: a path parameter needs a value"):
        client.get_note("")
    assert server.requests == []


def test_the_decoded_media_type_is_asked_for_first(server: ScriptedServer) -> None:
    """A PDF declared before the XML the method decodes (apisetu.gov.in): the client asks
    for XML, and may still ask for the PDF by name."""
    xml = b"<Note><id>n1</id><text>card</text></Note>"
    server.enqueue(Reply(200, {"Content-Type": "application/xml"}, xml))
    module, client = make("media-types", server)
    with client:
        assert client.get_note_card("n1") == module.Note(id="n1", text="card")
        with pytest.raises(ValueError, match="accept must be one of application/xml, appl"):
            client.get_note_card("n1", accept="image/png")
    assert only(server).headers["accept"] == "application/xml"


@pytest.mark.parametrize(
    "xml",
    [
        # OpenAPI's defaults: items repeat the property's element; id is an attribute
        b'<Note id="n1"><text>t</text><tags>a</tags><tags>b</tags>'
        b"<links><href>x</href></links><links><href>y</href></links></Note>",
        # .NET DataContract: arrays are wrappers, every property an element
        b"<Note><id>n1</id><text>t</text><tags><string>a</string><string>b</string></tags>"
        b"<links><Link><href>x</href></Link><Link><href>y</href></Link></links></Note>",
    ],
    ids=["openapi", "datacontract"],
)
def test_xml_arrays_wrapped_or_not_and_attributes(server: ScriptedServer, xml: bytes) -> None:
    """Both ways of writing XML decode to the same note (apisetu.gov.in's certificates
    use OpenAPI's: attributes and repeated elements), sync and async."""
    server.enqueue(*[Reply(200, {"Content-Type": "application/xml"}, xml)] * 2)
    module, client = make("media-types", server)
    links = [module.Link(href="x"), module.Link(href="y")]
    expected = module.Note(id="n1", text="t", tags=["a", "b"], links=links)
    with client:
        assert client.get_note_card("n1") == expected

    async def again() -> object:
        async with client_class(module, is_async=True)(server.url) as aio:
            return await aio.get_note_card("n1")

    assert asyncio.run(again()) == expected


def test_xml_one_item_or_an_empty_wrapper(server: ScriptedServer) -> None:
    """One repeated element is a list of one; an empty element, an empty list."""
    one = b"<Note><text>t</text><tags>a</tags><links><href>x</href></links></Note>"
    empty = b"<Note><text>t</text><tags/><links/></Note>"
    server.enqueue(*(Reply(200, {"Content-Type": "application/xml"}, b) for b in (one, empty)))
    module, client = make("media-types", server)
    with client:
        first, second = client.get_note_card("n1"), client.get_note_card("n1")
    assert (first.tags, first.links) == (["a"], [module.Link(href="x")])
    assert (second.tags, second.links) == ([], [])


def test_text_plain_body_and_answer(server: ScriptedServer) -> None:
    # A text/plain body and answer with a string schema: the answer is the text itself.
    server.enqueue(Reply.text("stored: hello", content_type="text/plain"))
    _, client = make("media-types", server)
    with client:
        got = client.put_note_text("n1", body=b"hello")
    request = only(server)
    assert (request.headers["content-type"], request.body) == ("text/plain", b"hello")
    assert got == "stored: hello"


# --- binary responses -------------------------------------------------------------------------

BLOB = bytes(range(256)) * 1024  # 256 KiB


def octets(body: bytes, media: str = "application/octet-stream") -> Reply:
    return Reply(200, {"Content-Type": media}, body)


def test_binary_download_returns_bytes(server: ScriptedServer) -> None:
    server.enqueue(octets(BLOB))
    _, client = make("file-response", server)
    with client:
        got = client.download_blob("a.bin")
    assert got == BLOB
    assert only(server).path == "/blobs/a.bin"


def test_binary_stream_yields_the_body_in_chunks(server: ScriptedServer) -> None:
    server.enqueue(octets(BLOB))
    _, client = make("file-response", server)
    with client, client.stream_download_blob("a.bin") as response:
        chunks = list(response.iter_bytes(chunk_size=16 * 1024))
    assert len(chunks) == 16
    assert b"".join(chunks) == BLOB


def test_binary_stream_on_the_async_client(server: ScriptedServer) -> None:
    server.enqueue(octets(BLOB))
    module = load("file-response")

    async def main() -> list[bytes]:
        cls = client_class(module, is_async=True)
        async with (
            cls(server.url, max_retries=0) as client,
            client.stream_download_blob("a.bin") as response,
        ):
            return [chunk async for chunk in response.aiter_bytes(chunk_size=64 * 1024)]

    chunks = asyncio.run(main())
    assert len(chunks) == 4
    assert b"".join(chunks) == BLOB


def test_binary_stream_raises_an_error_status_before_the_block(server: ScriptedServer) -> None:
    server.enqueue(Reply.text("gone", status=404))
    module, client = make("file-response", server)
    entered = False
    with (
        client,
        pytest.raises(module.ApiStatusError) as caught,
        client.stream_download_blob("a.bin"),
    ):
        entered = True
    assert not entered
    assert caught.value.status_code == 404


@pytest.mark.parametrize("case", ["file-response"])
def test_binary_request_body(case: str, server: ScriptedServer) -> None:
    server.enqueue(Reply(201))
    _, client = make(case, server)
    with client:
        assert client.upload_blob("a.bin", body=BLOB) is None
    upload = only(server)
    assert (upload.method, upload.path) == ("PUT", "/blobs/a.bin")
    assert upload.headers["content-type"] == "application/octet-stream"
    assert upload.body == BLOB


@pytest.mark.parametrize("case", ["file-response"])
def test_image_response_is_bytes(case: str, server: ScriptedServer) -> None:
    # 2.0: produces image/png, type: file; 3.0: ``image/png: {}``; 3.1: ``image/png`` with
    # ``type: string, contentMediaType``.
    png = b"\x89PNG\r\n\x1a\n" + bytes(100)
    server.enqueue(octets(png, "image/png"))
    _, client = make(case, server)
    with client:
        assert client.get_thumbnail("t.png") == png


# --- parameters on the wire -------------------------------------------------------------------


def test_array_parameters_on_the_wire(server: ScriptedServer) -> None:
    server.enqueue(Reply(204))
    _, client = make("array-parameters", server)
    with client:
        result = client.search(
            csv=["a", "b"],
            ssv=["a", "b"],
            pipes=["a", "b"],
            multi=["a", "b"],
            plain=[1, 2],
            repeated=[3, 4],
            x_ids=["i", "j"],
        )
    assert result is None
    request = only(server)
    assert request.url_path == "/api/v1/search"
    raw = request.query.split("&")
    assert raw[:2] == ["csv=a,b", "ssv=a%20b"]
    assert raw[2] in ("pipes=a|b", "pipes=a%7Cb")
    assert raw[3:] == ["multi=a", "multi=b", "plain=1,2", "repeated=3", "repeated=4"]
    assert request.query_params[2] == ("pipes", "a|b")
    assert request.headers["x-ids"] == "i,j"


def test_a_path_array_is_simple_style_each_item_encoded(server: ScriptedServer) -> None:
    # firebrowse.org's sample codes: the client once sent the list's repr ("['11']").
    server.enqueue(Reply(204), Reply(204))
    _, client = make("array-parameters", server)
    with client:
        client.samples(["01", "a b,c"])
        client.samples(["11"])
    first, second = server.requests
    assert (first.path, second.path) == ("/api/v1/samples/01,a%20b%2Cc", "/api/v1/samples/11")
    with pytest.raises(ValueError, match="codes"):
        client.samples([])


def test_a_path_fragment_is_not_sent_and_the_query_is(server: ScriptedServer) -> None:
    """``/files/{file_id}#share``: the fragment told operations apart in the spec; the
    request goes to the bare path, its query in the URL (not swallowed by the fragment)."""
    wire = {"id": "f 1", "access": "open"}
    server.enqueue(Reply.json(wire), Reply.json(wire), Reply.json(wire))
    module = load("path-fragment")
    with client_class(module)(server.url, max_retries=0) as client:
        assert client.share_file("f 1", access="open") == module.File(id="f 1", access="open")
        client.get_file("f 1", fields="id")

    async def main() -> None:
        async with client_class(module, is_async=True)(server.url, max_retries=0) as client:
            await client.share_file("f 1", access="open")

    asyncio.run(main())
    shared, got, shared_async = server.requests
    assert (shared.method, shared.path) == ("PUT", "/files/f%201?access=open")
    assert (got.method, got.path) == ("GET", "/files/f%201?fields=id")
    assert (shared_async.method, shared_async.path) == ("PUT", "/files/f%201?access=open")


def test_swagger2_tsv_collection_format_joins_with_tabs(server: ScriptedServer) -> None:
    server.enqueue(Reply(204))
    _, client = make("collection-format-tsv", server)
    with client:
        client.search(tsv=["a", "b"])
    request = only(server)
    assert (request.url_path, request.query) == ("/api/v1/search", "tsv=a%09b")


def test_empty_and_missing_arrays_are_not_sent(server: ScriptedServer) -> None:
    server.enqueue(Reply(204))
    _, client = make("array-parameters", server)
    with client:
        client.search(csv=[], multi=None)
    assert only(server).path == "/api/v1/search"


def test_object_query_parameters_on_the_wire(server: ScriptedServer) -> None:
    server.enqueue(Reply(204))
    module, client = make("query-objects", server)
    with client:
        client.search(filter=module.Filter(a=1, b="x y"), extra={"k": "v"})
    request = only(server)
    assert request.query_params == [("filter[a]", "1"), ("filter[b]", "x y"), ("k", "v")]


def test_an_object_nested_in_an_exploded_object_is_json_text(server: ScriptedServer) -> None:
    # AWS Elastic Beanstalk's ResourceLifecycleConfig: its VersionLifecycleConfig property
    # went out as Python's repr ({'MaxCountRule': {'Enabled': True}}).
    server.enqueue(Reply(204))
    module, client = make("query-objects", server)
    with client:
        client.search(lifecycle=module.Lifecycle(role="r", rule=module.Rule(enabled=True, count=2)))
    assert only(server).query_params == [("role", "r"), ("rule", '{"enabled":true,"count":2}')]


def test_a_union_of_a_value_and_a_list_is_sent_as_the_kind_given(server: ScriptedServer) -> None:
    # here.com's eventSource (one source, or a list of them) went out as JSON: ["a"].
    server.enqueue(Reply(204), Reply(204))
    _, client = make("query-objects", server)
    with client:
        client.search(source=["attach", "battery"])
        client.search(source="attach")
    listed, single = server.requests
    assert listed.query_params == [("source", "attach"), ("source", "battery")]
    assert single.query_params == [("source", "attach")]


def test_objects_in_a_path_are_the_simple_style(server: ScriptedServer) -> None:
    # jellyfin.local's Version in /Plugins/{pluginId}/{version} went out as JSON text.
    server.enqueue(Reply(204))
    module, client = make("query-objects", server)
    with client:
        client.get_version(module.Version(major=1, minor=2), module.Version(major=3, minor=0))
        with pytest.raises(ValueError, match="version is empty"):
            client.get_version(module.Version(), module.Version(major=3))
    assert only(server).path == "/versions/major,1,minor,2/major=3,minor=0"


def test_deep_object_leaves_out_unset_properties(server: ScriptedServer) -> None:
    server.enqueue(Reply(204))
    module, client = make("query-objects", server)
    with client:
        client.search(filter=module.Filter(a=1))
    assert only(server).query_params == [("filter[a]", "1")]


def test_deep_object_array_is_name_brackets_per_item(server: ScriptedServer) -> None:
    # Stripe's spelling of a list in the query: expand[]=a&expand[]=b.
    after = "19f06b6a-3ace-4315-b086-499a0e521b76"
    server.enqueue(Reply(204))
    _, client = make("query-objects", server)
    with client:
        # A string's `minimum` limits nothing: a UUID is not compared with 1.
        client.search(expand=["customer", "invoice.lines"], after=after)
    assert only(server).query_params == [
        ("expand[]", "customer"),
        ("expand[]", "invoice.lines"),
        ("after", after),
    ]


def test_deep_object_union_is_sent_by_the_kind_given(server: ScriptedServer) -> None:
    # Stripe's `created`: a range object (created[gt]=1) or a timestamp (created=1).
    server.enqueue(Reply(204), Reply(204))
    module, client = make("query-objects", server)
    with client:
        client.search(created=module.Range(gt=1, lte=9))
        client.search(created=1700000000)
    ranged, exact = server.requests
    assert ranged.query_params == [("created[gt]", "1"), ("created[lte]", "9")]
    assert exact.query_params == [("created", "1700000000")]


def test_skip_url_encoding_and_client_parameters_before_the_operations_own(
    server: ScriptedServer,
) -> None:
    server.enqueue(Reply.json({"name": "f.txt", "size": 3}), Reply.json([]))
    module, client = make("client-parameters", server, api_version="2024-01-01", x_ms_tenant="t")
    with client:
        file = client.get_file("dir/sub dir/f.txt")
        listing = client.list_files(prefix="d")
    get, list_ = server.requests
    # x-ms-skip-url-encoding: the slashes stay path separators (the space is still escaped
    # by httpx, which never sends a raw space).
    assert get.url_path in ("/api/files/dir/sub dir/f.txt", "/api/files/dir/sub%20dir/f.txt")
    assert get.query == "api-version=2024-01-01"
    assert list_.path == "/api/files?api-version=2024-01-01&prefix=d"
    assert file == module.File(name="f.txt", size=3)
    assert listing == []


def test_client_parameters_on_the_async_client(server: ScriptedServer) -> None:
    server.enqueue(Reply.json({"name": "a"}), Reply.json({"name": "b"}))
    module = load("client-parameters")

    async def main() -> None:
        cls = client_class(module, is_async=True)
        async with cls(server.url, api_version="v9", x_ms_tenant="t", max_retries=0) as client:
            await client.get_file("a")
            await client.get_file("b")

    asyncio.run(main())
    assert [r.path for r in server.requests] == [
        "/api/files/a?api-version=v9",
        "/api/files/b?api-version=v9",
    ]


def test_parameterized_host_parameters_make_the_base_url(server: ScriptedServer) -> None:
    server.enqueue(Reply.json({"name": "f.txt", "size": 3}))
    module, client = make("parameterized-host", server, "acme")
    with client:
        blob = client.blobs_get("f.txt")
    assert only(server).path == "/accounts/acme/blobs/f.txt"
    assert blob == module.Blob(name="f.txt", size=3)


def test_host_parameter_without_skip_url_encoding_is_escaped(server: ScriptedServer) -> None:
    # accountName has no x-ms-skip-url-encoding: its value is data, and must not be able to
    # add path segments to the base URL (path parameters are escaped the same way).
    server.enqueue(Reply.json({"name": "a"}))
    _, client = make("parameterized-host", server, "team/a")
    with client:
        client.blobs_get("a")
    assert only(server).url_path == "/accounts/team%2Fa/blobs/a"


def test_client_parameters_in_query_and_header_with_skip_url_encoding(
    server: ScriptedServer,
) -> None:
    server.enqueue(Reply.json({"size": 1}), Reply.json({"size": 2}))
    _, client = make("client-parameters", server, api_version="2024-01-01", x_ms_tenant="t1")
    with client:
        assert client.get_file("a/b.txt").size == 1
        assert client.get_file("c").size == 2
    first, second = server.requests
    assert first.path == "/api/files/a/b.txt?api-version=2024-01-01"
    assert second.path == "/api/files/c?api-version=2024-01-01"
    assert [r.headers.get_all("x-ms-tenant") for r in server.requests] == [["t1"], ["t1"]]


def test_path_parameters_without_skip_are_one_escaped_segment(server: ScriptedServer) -> None:
    server.enqueue(octets(b"x"))
    _, client = make("file-response", server)
    with client:
        client.download_blob("a/b c?d")
    assert only(server).path == "/blobs/a%2Fb%20c%3Fd"


@pytest.mark.parametrize("case", ["names"])
def test_awkward_names_keep_their_wire_spelling(case: str, server: ScriptedServer) -> None:
    wire = {
        "import": "i",
        "list": "l",
        "str": 3,
        "tagId": "camel",
        "tag_id": "snake",
        "1st": "first",
        "@odata.type": "#T",
        "naïve café": "c",
        "self": "me",
    }
    server.enqueue(Reply.json(wire), Reply.json({"kind": "ça"}), Reply(204))
    module, client = make(case, server)
    with client:
        got = client.get_class("x y", type_="t", value_2_fa=True, x_request_id="r-1")
        second = client.get_class_2()
        client.get_insight("i 1", "a/b", "c")  # template names {insight_id:}, {a[b}, {id!}
    first_request, second_request, third_request = server.requests
    assert third_request.path == "/insights/i%201/a%2Fb/c"
    assert first_request.path == "/class/x%20y?type=t&2fa=true"
    assert first_request.headers["x-request.id"] == "r-1"
    assert second_request.path == "/class"
    assert (got.import_, got.list_, got.str_, got.self_) == ("i", "l", 3, "me")
    assert (got.tag_id, got.tag_id_2, got.value_1_st) == ("camel", "snake", "first")
    assert (got.odata_type, got.naive_cafe) == ("#T", "c")
    assert second.kind is module.Model2NdThingKind.CA


def test_shared_parameters_defaults_and_limits(server: ScriptedServer) -> None:
    server.enqueue(Reply.json([]))
    _, client = make("components-reuse", server)
    with client:
        assert client.list_users("acme") == []
        with pytest.raises(ValueError, match="page_size"):
            client.list_users("acme", page_size=0)
        with pytest.raises(ValueError, match="page_size"):
            client.list_users("acme", page_size=51)
    assert only(server).path == "/tenants/acme/users?pageSize=10"


def test_shared_header_parameter(server: ScriptedServer) -> None:
    server.enqueue(Reply.json([{"name": "ada"}]))
    module, client = make("components-reuse", server)
    with client:
        assert client.list_users("acme", page_size=5, x_trace_id="t-1") == [module.User(name="ada")]
    request = only(server)
    assert (request.path, request.headers["x-trace-id"]) == (
        "/tenants/acme/users?pageSize=5",
        "t-1",
    )


@pytest.mark.parametrize("case", ["components-reuse"])
def test_component_request_body_and_error_response(case: str, server: ScriptedServer) -> None:
    server.enqueue(
        Reply.json({"name": "ada"}, status=201), Reply.json({"code": "Full"}, status=409)
    )
    module, client = make(case, server)
    with client:
        assert client.create_user("acme", body=module.User(name="ada")) == module.User(name="ada")
        with pytest.raises(module.ApiStatusError) as caught:
            client.create_user("acme", body=module.User(name="bob"))
    assert json_body(server.requests[1]) == {"name": "bob"}
    assert caught.value.error == module.Error(code="Full")


@pytest.mark.parametrize("case", ["security-api-key"])
def test_api_key_is_sent_where_security_asks_for_it(case: str, server: ScriptedServer) -> None:
    server.enqueue(Reply.json(["s"]), Reply(204))
    _, client = make(case, server, x_api_key=KEY)  # optional: health needs no key
    with client:
        assert client.list_secrets() == ["s"]
        assert client.health() is None
    secrets, health = server.requests
    assert secrets.headers.get_all("X-Api-Key") == [KEY]
    assert health.headers.get_all("X-Api-Key") == []
    assert KEY not in repr(client)


def test_fixed_server_url_is_the_default_base_url(server: ScriptedServer) -> None:
    # 2.0: https (preferred over http) + host + basePath; 3.x: the server's URL.
    module = load("server-url")
    client = client_class(module)()
    assert repr(client) == "PingServiceClient(base_url='https://api.example.com/v1')"
    client.close()
    server.enqueue(Reply.text("pong", content_type="text/plain"))
    with client_class(module)(base_url=server.url, max_retries=0) as local:
        assert local.ping() == "pong"
    assert only(server).path == "/ping"


def test_server_variables_fill_the_url() -> None:
    module = load("server-variables")
    with client_class(module)("https", "eastus", "v3") as client:
        assert repr(client) == "RegionalServiceClient(base_url='https://eastus.api.example.com/v3')"


def test_server_variables_are_required_and_document_their_defaults() -> None:
    # A deliberate choice (README, "Using the generated client"): where the service runs is
    # always said by the caller; the spec's defaults are shown as examples, never assumed.
    module = load("server-variables")
    cls = client_class(module)
    with pytest.raises(TypeError):
        cls()
    assert "westus" in (cls.__doc__ or "")
    with cls("https", "westus", "v2") as client:
        assert repr(client) == "RegionalServiceClient(base_url='https://westus.api.example.com/v2')"


# --- enums and literals -----------------------------------------------------------------------


def test_open_enum_keeps_an_unknown_value(server: ScriptedServer) -> None:
    wire = {"color": "blue", "shape": "circle", "finish": "satin", "size": "small"}
    server.enqueue(Reply.json(wire))
    module, client = make("enums-open-closed", server)
    with client:
        item = client.get_item("i1")
    assert isinstance(item.color, module.Color)
    assert item.color.value == "blue"
    assert item.color == "blue"
    assert item.shape is module.ShapeKind.CIRCLE
    # x-ms-enum modelAsString: true is open too, and names its class.
    assert isinstance(item.finish, module.Finish) and item.finish.value == "satin"
    assert item.size is module.ItemSize.SMALL


def test_closed_enum_refuses_an_unknown_value(server: ScriptedServer) -> None:
    server.enqueue(Reply.json({"color": "red", "shape": "hexagon"}))
    module, client = make("enums-open-closed", server)
    with client, pytest.raises(module.ResponseDecodeError) as caught:
        client.get_item("i1")
    assert caught.value.status_code == 200
    assert b"hexagon" in caught.value.body


@pytest.mark.parametrize("case", ["int-enums"])
def test_int_enums_on_the_wire_and_decoded(case: str, server: ScriptedServer) -> None:
    server.enqueue(Reply.json([{"level": 10}, {"level": 99}, {}]), Reply.json([]))
    module, client = make(case, server)
    with client:
        tasks = client.list_tasks(priority=module.Priority.VALUE_2)
        client.list_tasks(priority=3)
    assert [r.path for r in server.requests] == ["/tasks?priority=2", "/tasks?priority=3"]
    assert tasks[0].level is module.Level.VALUE_10
    assert isinstance(tasks[1].level, module.Level) and tasks[1].level.value == 99
    assert tasks[2].level is None


def test_const_is_a_literal_on_the_wire_and_when_decoded(server: ScriptedServer) -> None:
    server.enqueue(
        Reply.json({"kind": "click", "version": 2, "final": True}),
        Reply.json({"kind": "tap", "version": 2}),
    )
    module, client = make("const", server)
    with client:
        got = client.send_event(body=module.Event(kind="click", version=2, payload="p"))
        assert got == module.Event(kind="click", version=2, final=True)
        with pytest.raises(module.ResponseDecodeError):
            client.send_event(body=module.Event(kind="click", version=2))
    assert json_body(server.requests[0]) == {"kind": "click", "version": 2, "payload": "p"}


@pytest.mark.parametrize("case", ["defaults"])
def test_defaults_are_sent_and_fill_missing_fields(case: str, server: ScriptedServer) -> None:
    server.enqueue(Reply.json([{}, {"mode": "fast", "ratio": 0.5}]))
    module, client = make(case, server)
    with client:
        first, second = client.list_items()
    assert only(server).path == "/items?limit=10&sort=asc&verbose=false"
    assert first == module.Settings(
        retries=3, ratio=1.0, mode=module.SettingsMode.SAFE, label='it\'s "quoted"', enabled=True
    )
    assert (second.mode, second.ratio) == (module.SettingsMode.FAST, 0.5)


# --- statuses and errors ----------------------------------------------------------------------

STATUS_CASES = ["status-codes"]


@pytest.mark.parametrize("case", STATUS_CASES)
def test_202_decodes_and_204_returns_none(case: str, server: ScriptedServer) -> None:
    server.enqueue(Reply.json({"id": "j1", "status": "queued"}, status=202), Reply(204))
    module, client = make(case, server)
    with client:
        assert client.start_job() == module.Job(id="j1", status="queued")
        assert client.delete_job("j1") is None
    assert [(r.method, r.path) for r in server.requests] == [
        ("POST", "/jobs"),
        ("DELETE", "/jobs/j1"),
    ]


@pytest.mark.parametrize("case", STATUS_CASES)
def test_207_decodes_its_own_body_and_200_its_own(case: str, server: ScriptedServer) -> None:
    multi = {"results": [{"id": "a", "status": 200}, {"id": "b", "status": 500}]}
    server.enqueue(Reply.json(multi, status=207), Reply.json({"id": "j2"}))
    module, client = make(case, server)
    with client:
        partial = client.run_batch()
        whole = client.run_batch()
    assert isinstance(partial, module.MultiStatus)
    assert [(r.id, r.status) for r in partial.results] == [("a", 200), ("b", 500)]
    assert whole == module.Job(id="j2")


@pytest.mark.parametrize("case", STATUS_CASES)
def test_a_default_response_alone_decodes_success_and_error(
    case: str, server: ScriptedServer
) -> None:
    # With no 2xx declared, `default` covers every status: 200 and 201 decode into the job,
    # an error status raises with the body decoded the same way.
    server.enqueue(
        Reply.json({"id": "j1", "status": "done"}),
        Reply.json({"id": "j2"}, status=201),
        Reply.json({"id": "j3", "status": "failed"}, status=500),
    )
    module, client = make(case, server)
    with client:
        assert client.get_job("j1") == module.Job(id="j1", status="done")
        assert client.get_job("j2") == module.Job(id="j2")
        with pytest.raises(module.ApiStatusError) as caught:
            client.get_job("j3")
    assert caught.value.status_code == 500
    assert caught.value.error == module.Job(id="j3", status="failed")
    assert [r.path for r in server.requests] == ["/jobs/j1", "/jobs/j2", "/jobs/j3"]


@pytest.mark.parametrize("case", ["default-errors"])
def test_default_response_is_the_decoded_error(case: str, server: ScriptedServer) -> None:
    server.enqueue(
        Reply.json({"code": "NotFound", "message": "no such thing"}, status=404),
        Reply.text("<html>bad gateway</html>", status=400, content_type="text/html"),
    )
    module, client = make(case, server)
    with client:
        with pytest.raises(module.ApiStatusError) as caught:
            client.get_thing("t1")
        assert caught.value.status_code == 404
        assert caught.value.error == module.ErrorResponse(code="NotFound", message="no such thing")
        with pytest.raises(module.ApiStatusError) as unparsed:
            client.get_thing("t2")
    assert unparsed.value.error is None
    assert unparsed.value.body == b"<html>bad gateway</html>"


# --- shapes -----------------------------------------------------------------------------------


@pytest.mark.parametrize("case", ["recursive"])
def test_recursive_model_decodes_nested_levels(case: str, server: ScriptedServer) -> None:
    tree = {
        "name": "root",
        "children": [
            {"name": "a", "children": [{"name": "a1", "children": [{"name": "a1x"}]}]},
            {"name": "b", "parent": {"name": "root"}},
        ],
    }
    server.enqueue(Reply.json(tree))
    module, client = make(case, server)
    with client:
        root = client.get_tree()
    assert isinstance(root, module.Node)
    a, b = root.children
    assert a.children[0].children[0] == module.Node(name="a1x")
    assert b.parent == module.Node(name="root")
    assert root.parent is None


@pytest.mark.parametrize("case", ["additional-properties"])
def test_map_response(case: str, server: ScriptedServer) -> None:
    server.enqueue(Reply.json({"apples": 3, "pears": 0}), Reply.json({"apples": "many"}))
    module, client = make(case, server)
    with client:
        assert client.get_inventory() == {"apples": 3, "pears": 0}
        with pytest.raises(module.ResponseDecodeError):
            client.get_inventory()


def test_nullable_fields_are_sent_as_null_and_decoded(server: ScriptedServer) -> None:
    wire = {"name": "ada", "bio": None, "age": None, "links": None, "home": None, "work": None}
    server.enqueue(
        Reply.json(wire),
        Reply.json({"name": "ada", "home": None}),  # bio is required, even though it may be null
    )
    module, client = make("nullable", server)
    with client:
        got = client.patch_profile("p1", body=module.Profile(name="ada", bio=None, home=None))
        with pytest.raises(module.ResponseDecodeError):
            client.patch_profile("p1")
    sent = json_body(server.requests[0])
    assert sent["bio"] is None and sent["home"] is None and sent["name"] == "ada"
    assert (got.bio, got.age, got.links, got.home, got.work) == (None,) * 5
    assert server.requests[1].body == b""


@pytest.mark.parametrize("flavour", ["sync", "async"])
def test_an_optional_nullable_field_is_omitted_null_or_a_value(
    server: ScriptedServer, flavour: str
) -> None:
    """Left unset, the field is not sent; None sends null; a value is sent. Decoding
    tells the same three apart: absent is UNSET, null is None."""
    server.enqueue(
        *[Reply.json({"name": "ada", "bio": None, "home": None})] * 2,
        Reply.json({"name": "ada", "bio": None, "home": None, "age": None}),
    )
    module = load("nullable")
    bodies = [
        module.Profile(name="ada", bio=None, home=None),
        module.Profile(name="ada", bio=None, home=None, age=None, work=None),
        module.Profile(name="ada", bio=None, home=None, age=36, links=["x"]),
    ]

    async def run_async() -> list[Any]:
        async with client_class(module, is_async=True)(server.url, max_retries=0) as client:
            return [await client.patch_profile("p1", body=b) for b in bodies]

    if flavour == "sync":
        with client_class(module)(server.url, max_retries=0) as client:
            got = [client.patch_profile("p1", body=b) for b in bodies]
    else:
        got = asyncio.run(run_async())
    sent = [json_body(r) for r in server.requests]
    assert sent[0] == {"name": "ada", "bio": None, "home": None}
    assert sent[1] == {"name": "ada", "bio": None, "home": None, "age": None, "work": None}
    assert sent[2] == {"name": "ada", "bio": None, "home": None, "age": 36, "links": ["x"]}
    assert got[0].age is msgspec.UNSET and not got[0].age
    assert got[2].age is None


def test_a_required_nullable_body_sends_null_for_none(server: ScriptedServer) -> None:
    # keyserv.solutions's bodies are required and nullable: None once sent no body at all,
    # which the spec does not allow.
    server.enqueue(Reply(204), Reply(204))
    module, client = make("nullable", server)
    with client:
        client.set_address(body=None)
        client.set_address(body=module.Address(city="Oslo"))
    with pytest.raises(TypeError):
        client.set_address()  # type: ignore[call-arg]
    nothing, oslo = server.requests
    assert (nothing.method, nothing.body) == ("PUT", b"null")
    assert nothing.headers["content-type"] == "application/json"
    assert json_body(oslo) == {"city": "Oslo"}


def test_nullable_query_parameter_and_a_field_that_is_not(server: ScriptedServer) -> None:
    server.enqueue(
        Reply.json([{"name": "ada", "bio": None, "home": None, "work": None}]),
        Reply.json([{"name": None, "bio": "a", "home": None}]),
    )
    module, client = make("nullable", server)
    with client:
        (profile,) = client.list_profiles(nickname="a")
        assert profile == module.Profile(name="ada", bio=None, home=None, work=None)
        with pytest.raises(module.ResponseDecodeError):  # name is not nullable
            client.list_profiles()
    assert [r.path for r in server.requests] == ["/profiles?nickname=a", "/profiles"]


def test_a_nullable_answer_decodes_null_as_none(server: ScriptedServer) -> None:
    """A response schema that allows null (a scalar, a referenced nullable object): the
    method returns None for a JSON null body and the value otherwise, sync and async."""
    server.enqueue(
        Reply.json(None),
        Reply.json(7),
        Reply.json(None),
        Reply.json({"city": "Oslo"}),
        Reply.json("seven"),
    )
    module, client = make("nullable", server)
    with client:
        assert client.count_profiles() is None
        assert client.count_profiles() == 7
        assert client.current_address() is None
        assert client.current_address() == module.Address(city="Oslo")
        with pytest.raises(module.ResponseDecodeError):  # null, or an integer: not a string
            client.count_profiles()
    server.enqueue(Reply.json(None), Reply.json(3))

    async def both() -> tuple[object, object]:
        async with getattr(module, "Async" + type(client).__name__)(server.url) as aio:
            return await aio.count_profiles(), await aio.count_profiles()

    assert asyncio.run(both()) == (None, 3)


def test_null_items_and_map_values_decode_as_none(server: ScriptedServer) -> None:
    """Array items and map values that allow null (inline, or a $ref to a nullable schema:
    docker.com's PortMap, plaid.com's accounts[]) decode null as None and are sent as null,
    sync and async."""
    wire = {
        "name": "a",
        "bio": None,
        "home": None,
        "places": [None, {"city": "Oslo"}],
        "scores": [1, None],
        "labels": {"x": None, "y": "z"},
    }
    server.enqueue(Reply.json(wire), Reply.json(wire))
    module, client = make("nullable", server)
    with client:
        got = client.patch_profile("p1", body=msgspec.convert(wire, module.Profile))
    assert got.places == [None, module.Address(city="Oslo")]
    assert got.scores == [1, None] and got.labels == {"x": None, "y": "z"}

    async def again() -> object:
        async with getattr(module, "Async" + type(client).__name__)(server.url) as aio:
            return await aio.patch_profile("p1", body=got)

    assert asyncio.run(again()) == got
    assert [json.loads(r.body)["places"] for r in server.requests] == [wire["places"]] * 2


def test_scalar_unions_decode_each_kind(server: ScriptedServer) -> None:
    server.enqueue(
        Reply.json({"value": "x", "note": None}),
        Reply.json({"value": 1.5, "note": 3}),
        Reply.json({"value": True}),
        Reply.json({"value": None}),
    )
    module, client = make("scalar-unions", server)
    with client:
        assert client.get_cell(5) == module.Cell(value="x", note=None)
        assert client.get_cell("b2") == module.Cell(value=1.5, note=3)
        assert client.get_cell(7).value is True
        with pytest.raises(module.ResponseDecodeError):
            client.get_cell(8)
    assert [r.path for r in server.requests] == ["/cells/5", "/cells/b2", "/cells/7", "/cells/8"]


def test_ref_with_siblings_decodes_the_referenced_type(server: ScriptedServer) -> None:
    server.enqueue(
        Reply.json({"state": "running", "error": {"code": "E1"}}),
        Reply.json({"state": "done", "error": None}),
        Reply.json({"state": "done"}),  # error is required, even though it may be null
    )
    module, client = make("ref-siblings", server)
    with client:
        job = client.get_job("j1")
        done = client.get_job("j2")
        with pytest.raises(module.ResponseDecodeError):
            client.get_job("j3")
    assert job.state is module.State.RUNNING
    assert job.error == module.Problem(code="E1")
    assert (done.state, done.error) == (module.State.DONE, None)


def test_inline_schemas_are_models_named_from_their_place(server: ScriptedServer) -> None:
    answer = {"id": "r1", "rows": [{"label": "a", "value": 1.5}], "format": "pdf"}
    server.enqueue(Reply.json(answer))
    module, client = make("inline-schemas", server)
    body = module.CreateReportBody(
        title="Q1", range=module.CreateReportBodyRange(start=datetime.date(2024, 1, 1))
    )
    with client:
        got = client.create_report(body=body, format=module.Format.CSV)
    request = only(server)
    assert request.path == "/reports?format=csv"
    assert json_body(request) == {"title": "Q1", "range": {"start": "2024-01-01"}}
    assert got.id == "r1"
    assert got.rows == [module.CreateReport200RowsItem(label="a", value=1.5)]
    assert got.format is module.CreateReport200Format.PDF


def test_a_date_time_where_a_date_is_declared_reads_as_its_date(server: ScriptedServer) -> None:
    # Services (and Prism's made-up answers) send date-times for `format: date`: the date
    # part is read, in every row; a value that is no date-time still fails.
    rows = [
        {"day": "2024-03-01T10:00:00Z"},
        {"day": "2024-03-02"},
        {"day": "2024-03-03T23:30:00.5+02:00"},
    ]
    server.enqueue(Reply.json({"rows": rows}), Reply.json({"rows": [{"day": "March 4"}]}))
    module, client = make("inline-schemas", server)
    with client:
        got = client.create_report(body=module.CreateReportBody())
        with pytest.raises(module.ResponseDecodeError, match="Invalid RFC3339 encoded date"):
            client.create_report(body=module.CreateReportBody())
    assert got.rows is not None
    assert [r.day for r in got.rows] == [datetime.date(2024, 3, d) for d in (1, 2, 3)]


@pytest.mark.parametrize("case", ["examples"])
def test_examples_change_nothing_on_the_wire(case: str, server: ScriptedServer) -> None:
    server.enqueue(Reply.json({"id": "u1", "email": "ada@example.com", "tags": ["admin"]}))
    module, client = make(case, server)
    with client:
        user = client.get_user("u1")
    assert user == module.User(id="u1", email="ada@example.com", tags=["admin"])


# --- cookies, content parameters, enums of any kind, JSON Schema keywords -----------------


def fixed(case: str, server: ScriptedServer) -> tuple[ModuleType, Any]:
    """The package of a construct whose spec names a fixed server, aimed at ``server``."""
    module = load(case)
    return module, client_class(module)(base_url=server.url, max_retries=0)


def test_cookies_travel_in_one_header_percent_encoded(server: ScriptedServer) -> None:
    server.enqueue(Reply.json({"user": "ada"}), Reply.json({"user": "bob"}))
    _, client = fixed("cookie-parameters", server)
    with client:
        got = client.get_session(session="a b;c=d", theme="dark", visits=3, verbose=True)
        client.get_session(session="plain")
    first, second = server.requests
    assert got.user == "ada"
    assert first.headers["cookie"] == "session=a%20b%3Bc%3Dd; theme=dark; visits=3"
    assert first.query == "verbose=true"
    assert second.headers["cookie"] == "session=plain"
    assert second.query == ""
    with pytest.raises(ValueError, match="visits"):
        client.get_session(session="s", visits=-1)


def test_content_parameters_are_sent_as_json_text(server: ScriptedServer) -> None:
    server.enqueue(Reply.json(["x"]), Reply.json([]))
    module, client = fixed("content-parameters", server)
    with client:
        assert client.search(
            filter=module.Filter(color="red", sizes=[1, 2]), tags=["a", "b"], x_note="hi there"
        ) == ["x"]
        assert client.search(filter=module.Filter(color="blue")) == []
    first, second = server.requests
    assert parse_qsl(first.query) == [
        ("filter", '{"color":"red","sizes":[1,2]}'),
        ("tags", '["a","b"]'),
    ]
    assert first.headers["x-note"] == "hi there"
    assert parse_qsl(second.query) == [("filter", '{"color":"blue"}')]


@pytest.mark.parametrize(
    ("wire", "level", "ratio", "size"),
    [
        ({"level": "low", "enabled": True, "kind": "settings"}, "low", None, None),
        ({"level": 2, "enabled": False, "kind": "settings", "ratio": 2.5}, 2, 2.5, None),
        ({"level": "high", "enabled": True, "kind": "settings", "size": None}, "high", None, None),
        (
            {"level": 2, "enabled": True, "kind": "settings", "ratio": 1, "size": "small"},
            2,
            1.0,
            "small",
        ),
    ],
)
def test_enums_of_any_kind_decode_as_their_plain_types(
    server: ScriptedServer, wire: dict[str, Any], level: Any, ratio: Any, size: Any
) -> None:
    server.enqueue(Reply.json(wire))
    _, client = fixed("enums-of-any-kind", server)
    with client:
        got = client.get_settings(level=2)
    assert (got.level, got.ratio) == (level, ratio)
    assert type(got.level) is type(level)
    assert (got.size.value if got.size is not None else None) == size
    assert got.enabled is wire["enabled"]
    assert only(server).query == "level=2"


def test_json_schema_keywords_constrain_nothing_on_the_wire(server: ScriptedServer) -> None:
    labels = {"team": "core", "tier": "gold"}
    server.enqueue(
        Reply.json(labels),
        Reply.json(["main", "other"]),
        Reply.json({"mode": "strict", "limit": 3}),
        Reply.json({"inner": {"value": "v"}}),
    )
    module, client = fixed("json-schema-keywords", server)
    with client:
        assert client.put_labels(body=labels) == labels
        assert client.get_tags() == ["main", "other"]
        settings = client.get_settings()
        wrapper = client.get_wrapper()
    assert json_body(server.requests[0]) == labels
    assert (settings.mode, settings.limit) == ("strict", 3)
    assert wrapper.inner == module.Inner(value="v")


def test_not_keeps_the_rest_of_the_schema(server: ScriptedServer) -> None:
    server.enqueue(Reply.json({"count": 13, "anything": ["x", 1]}))
    _, client = fixed("not-keyword", server)
    with client:
        got = client.get_thing(name="admin")  # 'not' is documented, never enforced
    assert (got.count, got.anything) == (13, ["x", 1])
    assert only(server).query == "name=admin"


def test_prefix_items_decode_as_tuples_and_lists_and_go_back_as_arrays(
    server: ScriptedServer,
) -> None:
    wire = {
        "position": [13.4, 52.5],
        "label": ["Berlin", 1],
        "path": [1, 2.5, 3],
        "mixed": ["a", 1, None],
    }
    server.enqueue(Reply.json(wire), Reply(204, {}, b""), Reply.json({"position": [1, 2, 3]}))
    module, client = fixed("tuple-items", server)
    with client:
        place = client.get_place("b")
        client.put_place("b", body=place)
        with pytest.raises(module.ResponseDecodeError):
            client.get_place("c")  # a closed tuple of two cannot take three
    assert place.position == (13.4, 52.5) and place.label == ("Berlin", 1)
    assert place.path == [1.0, 2.5, 3.0] and place.mixed == ["a", 1, None]
    assert json_body(server.requests[1]) == {
        "position": [13.4, 52.5],
        "label": ["Berlin", 1],
        "path": [1.0, 2.5, 3.0],
        "mixed": ["a", 1, None],
    }
