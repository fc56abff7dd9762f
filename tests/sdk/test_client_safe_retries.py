"""Retries that cannot act twice: a POST is retried only where the failure proves the
service did not act, unless it is idempotent (marked in the spec or the policy, or sent
with an idempotency key); and ``on_retry`` sees each retry. Sync and async, against a
real HTTP server on 127.0.0.1 (construct ``status-codes``: ``startJob`` is a plain POST,
``runBatch`` a POST marked ``x-apiforge-idempotent``)."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable
from types import ModuleType
from typing import Any, Literal

import httpx
import pytest
from support.corpus import load
from support.http_server import Reply, ScriptedServer

Mode = Literal["sync", "async"]
JOB = {"id": "j1", "status": "done"}


def module() -> ModuleType:
    return load("status-codes")


def policy(**kwargs: Any) -> Any:
    return module().RetryPolicy(backoff_base=0.0, backoff_max=0.0, **kwargs)


def call(mode: Mode, url: str, operation: str, retry_policy: Any, **kwargs: Any) -> Any:
    """``operation`` once through a fresh client of the flavour with two retries."""
    pkg = module()
    options = {"max_retries": 2, "retry_policy": retry_policy}
    if mode == "sync":
        with pkg.StatusCodesClient(url, **options) as client:
            return getattr(client, operation)(**kwargs)

    async def main() -> Any:
        async with pkg.AsyncStatusCodesClient(url, **options) as client:
            return await getattr(client, operation)(**kwargs)

    return asyncio.run(main())


def outcome(mode: Mode, server: ScriptedServer, operation: str, **kwargs: Any) -> Any:
    """The result, or the exception, of one call; kwargs may hold ``retry_policy``."""
    chosen = kwargs.pop("retry_policy", None) or policy()
    try:
        return call(mode, server.url, operation, chosen, **kwargs)
    except module().ApiError as exc:
        return exc


@pytest.mark.parametrize(
    ("reply", "retried"),
    [
        (Reply(503), False),  # the service may have acted: no retry
        (Reply(502), False),
        (Reply(429), False),
        (Reply(503, {"Retry-After": "0"}), True),  # it did not, and says when to come back
        (Reply(429, {"Retry-After": "0"}), True),
        (Reply(502, {"Retry-After": "0"}), False),  # a gateway's word is not the service's
    ],
)
def test_a_post_is_retried_only_when_the_service_did_not_act(
    mode: Mode, server: ScriptedServer, reply: Reply, retried: bool
) -> None:
    server.enqueue(reply, *([reply, Reply.json(JOB, status=202)] if retried else []))
    result = outcome(mode, server, "start_job")
    if retried:
        assert result == module().Job(**JOB)
        assert len(server.requests) == 3
    else:
        assert isinstance(result, module().ApiStatusError)
        assert result.status_code == reply.status
        assert len(server.requests) == 1


def test_a_post_sent_but_unanswered_is_not_retried(mode: Mode, server: ScriptedServer) -> None:
    server.enqueue(Reply.dropped("close"))
    result = outcome(mode, server, "start_job")
    assert isinstance(result, module().ApiConnectionError)
    assert result.never_sent is False
    assert len(server.requests) == 1


def test_a_post_never_connected_is_retried(mode: Mode) -> None:
    seen: list[tuple[int, float, Any]] = []
    with socket.socket() as closed:  # a port nothing listens on: connection refused
        closed.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{closed.getsockname()[1]}"
    chosen = policy(on_retry=lambda *args: seen.append(args))
    with pytest.raises(module().ApiConnectionError) as caught:
        call(mode, url, "start_job", chosen)
    assert caught.value.never_sent is True
    assert [(n, d) for n, d, _ in seen] == [(1, 0.0), (2, 0.0)]
    assert all(isinstance(cause, module().ApiConnectionError) for _, _, cause in seen)


@pytest.mark.parametrize(
    ("operation", "chosen"),
    [
        ("run_batch", lambda: policy()),  # the spec marks it
        ("start_job", lambda: policy(idempotent=frozenset({"startJob"}))),  # the policy does
    ],
)
def test_an_idempotent_post_is_retried_like_a_put(
    mode: Mode, server: ScriptedServer, operation: str, chosen: Callable[[], Any]
) -> None:
    server.enqueue(Reply(502), Reply.dropped("close"), Reply.json(JOB, status=200))
    result = outcome(mode, server, operation, retry_policy=chosen())
    assert result == module().Job(**JOB)
    assert len(server.requests) == 3


def test_an_idempotency_key_is_the_same_on_every_attempt(
    mode: Mode, server: ScriptedServer
) -> None:
    server.enqueue(Reply(502), Reply(503), Reply.json(JOB, status=202), Reply(204))
    keyed = policy(idempotency_header="Idempotency-Key")
    assert outcome(mode, server, "start_job", retry_policy=keyed) == module().Job(**JOB)
    outcome(mode, server, "delete_job", id="j1", retry_policy=keyed)
    keys = [r.headers.get("idempotency-key") for r in server.requests]
    assert keys[0] and len(keys[0]) == 36 and keys[:3] == [keys[0]] * 3
    assert keys[3] is None  # a DELETE acts once anyway: no key


def test_a_caller_given_key_is_kept(mode: Mode, server: ScriptedServer) -> None:
    server.enqueue(Reply(502), Reply.json(JOB, status=202))
    keyed = policy(idempotency_header="Idempotency-Key")
    given = {"idempotency-key": "order-42"}
    outcome(mode, server, "start_job", retry_policy=keyed, extra_headers=given)
    assert [r.headers["idempotency-key"] for r in server.requests] == ["order-42"] * 2


def test_on_retry_sees_the_attempt_the_delay_and_the_answer(
    mode: Mode, server: ScriptedServer
) -> None:
    seen: list[tuple[int, float, Any]] = []
    server.enqueue(Reply(503, {"Retry-After": "0"}), Reply(204))
    chosen = policy(on_retry=lambda *args: seen.append(args))
    outcome(mode, server, "delete_job", id="j1", retry_policy=chosen)
    ((attempt, delay, cause),) = seen
    assert (attempt, delay) == (1, 0.0)
    assert isinstance(cause, httpx.Response) and cause.status_code == 503
