"""The packages of specs split across files (``tests/multifile/``) on the wire: a
``ScriptedServer`` on 127.0.0.1 answers, httpx's real transport carries the requests, and
what each side sees is checked. The operations, parameters, bodies and models come from
many files; here they must still make one working client."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from support.http_server import Reply, ScriptedServer
from support.multifile import load

DATABASE = "9cc10173-e9ea-4176-9dbc-a4cee4c4ff30"
DROPLET = {
    "id": 3164444,
    "name": "example.com",
    "status": "active",
    "created_at": "2024-05-01T09:00:00Z",
    "region": {"name": "New York 3", "slug": "nyc3", "available": True, "features": ["ipv6"]},
    "size": {"slug": "s-1vcpu-1gb", "memory": 1024, "vcpus": 1},
    "networks": {"v4": [{"ip_address": "104.131.186.241", "type": "public"}]},
    "last_action": {"id": 7, "status": "completed", "type": "reboot"},
    "tags": ["web"],
}


def test_a_list_operation_sends_its_shared_parameters_and_decodes_models_of_many_files(
    server: ScriptedServer,
) -> None:
    cloud = load("cloud")
    page = {"droplets": [DROPLET], "links": {"pages": {"next": "?page=2"}}, "meta": {"total": 2}}
    server.enqueue(Reply.json(page, headers={"ratelimit-limit": "5000"}))
    with cloud.CloudClient("t0ken", base_url=server.url, max_retries=0) as client:
        found = client.list_droplets(per_page=1, name="example.com")
    (request,) = server.requests
    assert request.method == "GET" and request.url_path == "/v2/droplets"
    # per_page and page come from shared/parameters.yml, name from droplets/parameters.yml.
    assert request.query_params == [("per_page", "1"), ("page", "1"), ("name", "example.com")]
    assert request.headers["authorization"] == "Bearer t0ken"
    (droplet,) = found.droplets
    assert isinstance(droplet, cloud.Droplet)
    assert droplet.region == cloud.Region(
        name="New York 3", slug="nyc3", available=True, features=["ipv6"]
    )
    assert droplet.size == cloud.Size(slug="s-1vcpu-1gb", memory=1024, vcpus=1)
    public = cloud.V4(ip_address="104.131.186.241", type_=cloud.V4Type.PUBLIC)
    assert droplet.networks.v_4 == [public]
    assert droplet.last_action == cloud.Action(
        id=7, status=cloud.ActionStatus.COMPLETED, type_=cloud.ActionType.REBOOT
    )
    assert found.links.pages == cloud.Forward(next="?page=2") and found.meta == cloud.Meta(total=2)


def test_a_request_body_of_another_file_and_a_union_mapped_by_file(server: ScriptedServer) -> None:
    cloud = load("cloud")
    server.enqueue(
        Reply.json(
            {"ssh_key": {"id": 512, "name": "laptop", "public_key": "ssh-ed25519 AAAA"}}, 201
        ),
        Reply.json({"database": {"id": DATABASE, "engine": {"kind": "pg", "version": "16"}}}),
    )
    with cloud.CloudClient("t0ken", base_url=server.url, max_retries=0) as client:
        created = client.create_ssh_key(
            body=cloud.SshKeyCreate(name="laptop", public_key="ssh-ed25519 AAAA")
        )
        database = client.get_database(DATABASE)
    post, get = server.requests
    assert (post.method, post.url_path) == ("POST", "/v2/ssh_keys")
    assert json.loads(post.body) == {"name": "laptop", "public_key": "ssh-ed25519 AAAA"}
    assert created.ssh_key == cloud.SshKey(id=512, name="laptop", public_key="ssh-ed25519 AAAA")
    assert get.url_path == f"/v2/databases/{DATABASE}"
    assert database.database.engine == cloud.Pg(kind="pg", version="16")


def test_an_error_response_of_another_file(server: ScriptedServer) -> None:
    cloud = load("cloud")
    server.enqueue(Reply.json({"id": "not_found", "message": "no droplet 9"}, 404))
    client = cloud.CloudClient("t0ken", base_url=server.url, max_retries=0)
    with client, pytest.raises(cloud.ApiStatusError) as caught:
        client.get_droplet(9)
    assert caught.value.status_code == 404
    assert json.loads(caught.value.body) == {"id": "not_found", "message": "no droplet 9"}


def test_swagger_2_0_split_across_files_async(server: ScriptedServer) -> None:
    pets = load("petstore-swagger")
    pet = {"id": 1, "name": "Rex", "category": {"id": 2, "name": "dogs", "parent": {"id": 3}}}
    server.enqueue(Reply.json([pet]), Reply.json({"code": 7, "message": "boom"}, 500))

    async def main() -> tuple[Any, Any]:
        base = f"{server.url}/v1"  # a base URL replaces the whole of the spec's, basePath too
        client = pets.AsyncPetstoreSplitClient("k3y", base_url=base, max_retries=0)
        async with client:
            found = await client.list_pets(limit=5)
            with pytest.raises(pets.ApiStatusError) as caught:
                await client.show_pet_by_id("1")
        return found, caught.value

    found, error = asyncio.run(main())
    listed, shown = server.requests
    assert listed.url_path == "/v1/pets" and listed.query_params == [("limit", "5")]
    assert listed.headers["x-api-key"] == "k3y"
    category = pets.Category(id=2, name="dogs", parent=pets.Category(id=3))
    assert found == [pets.Pet(id=1, name="Rex", category=category)]
    assert shown.url_path == "/v1/pets/1"
    assert error.error == pets.Error(code=7, message="boom")  # the default response
