"""Which listener serves which front door: the names listeners are opened under, and their URLs.

A listener's name says what it serves (:func:`door_name`):
``function-url:<account>:<region>:<function>:<qualifier>``, ``http-api:<account>:<region>:<api id>``
or ``rest-api:<account>:<region>:<api id>``.

Example::

    door_name("http-api", "123456789012", "us-east-1", "a1b2c3d4")
    # -> 'http-api:123456789012:us-east-1:a1b2c3d4'
"""

from __future__ import annotations

from workbook.errors import WorkbookError

from . import listener

FUNCTION_URL, HTTP_API, REST_API = "function-url", "http-api", "rest-api"


class NoFrontDoor(WorkbookError, LookupError):
    """No listener serves what was asked for. The message says what to create first."""


def door_name(kind: str, account_id: str, region: str, *ids: str) -> str:
    """The listener name of a front door (``kind`` is ``function-url``, ``http-api`` or ``rest-api``)."""
    return ":".join((kind, account_id, region, *ids))


def _find(kinds: tuple[str, ...], ids: tuple[str, ...], region: str | None, account_id: str | None):
    tail = ":" + ":".join(ids)
    for door in listener.open_listeners():
        kind, _, rest = door.name.partition(":")
        account, _, rest = rest.partition(":")
        door_region = rest.partition(":")[0]
        if (kind in kinds and door.name.endswith(tail) and door.name.count(":") == 2 + len(ids)
                and account_id in (None, account) and region in (None, door_region)):
            return kind, door
    return None, None


def _asked(service: str, ask):
    """What ``ask(client)`` answers through the running sandbox's API, or None.

    A notebook kernel attached to a grader's sandbox has no listeners of its own: the sandbox knows them.
    """
    from workbook.sandbox import core

    sb = core.current()
    if sb is None:
        return None
    try:
        return ask(sb.client(service))
    except Exception:  # not found, or the sandbox is gone: the caller explains
        return None


def api_url(api_id: str, stage: str | None = None, *, region: str | None = None,
            account_id: str | None = None) -> str:
    """See :func:`workbook.front_doors.api_url`."""
    kind, door = _find((HTTP_API, REST_API), (api_id,), region, account_id)
    if door is None:
        endpoint = _asked("apigatewayv2", lambda client: client.get_api(ApiId=api_id)["ApiEndpoint"])
        if endpoint and endpoint.startswith("http://127.0.0.1:"):
            return f"{endpoint}/{stage}/" if stage and stage != "$default" else f"{endpoint}/"
        raise NoFrontDoor(f"no API with id {api_id!r} is being served; create it first "
                          "(apigatewayv2 create_api or apigateway create_rest_api), and check the id.")
    if kind == REST_API and not stage:
        raise NoFrontDoor(f"a REST API's URL names its stage: call api_url({api_id!r}, stage='<stage>').")
    if stage and stage != "$default":
        return f"{door.url}{stage}/"
    return door.url


def find_api_key(api_id: str) -> tuple[str, str, str]:
    """``(account, region, api id)`` of the HTTP API served under ``api_id``."""
    _, door = _find((HTTP_API,), (api_id,), None, None)
    if door is None:
        raise NoFrontDoor(f"no HTTP API with id {api_id!r} is being served; create it first "
                          "(apigatewayv2 create_api with ProtocolType='HTTP'), and check the id.")
    _, account_id, region, _ = door.name.split(":", 3)
    return account_id, region, api_id


def function_url(function_name: str, qualifier: str | None = None, *, region: str | None = None,
                 account_id: str | None = None) -> str:
    """See :func:`workbook.front_doors.function_url`."""
    name = function_name.split(":function:", 1)[-1].split(":")[0]
    _, door = _find((FUNCTION_URL,), (name, qualifier or "$LATEST"), region, account_id)
    if door is None:
        extra = {"Qualifier": qualifier} if qualifier else {}
        url = _asked("lambda", lambda client: client.get_function_url_config(FunctionName=name, **extra)[
            "FunctionUrl"])
        if url:
            return url
        target = f"{name}:{qualifier}" if qualifier else name
        raise NoFrontDoor(f"function {target!r} has no function URL; create one with "
                          "lam.create_function_url_config(FunctionName=..., AuthType='NONE').")
    return door.url
