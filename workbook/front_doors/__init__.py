"""HTTP front doors: function URLs and API Gateway APIs, served on loopback ports.

moto keeps the configuration (``CreateFunctionUrlConfig``, ``apigatewayv2.create_api`` …); this package
adds the part that answers HTTP: each function URL and each API gets its own listener on
``http://127.0.0.1:<port>/`` (:mod:`.listener`), whose requests become synchronous invokes of the
function through the local runtime (:mod:`.invoke_bridge`), with AWS's event formats and response
mapping. The URL boto3 answers with (``FunctionUrl``, ``ApiEndpoint``) is the loopback one, so the
URL you read is the URL you call, with ``curl``, ``urllib`` or a browser.

:func:`attach` runs when a runtime starts (:func:`workbook.lambda_runtime.install`); the runtime's
``reset`` and ``close`` (``sb.reset()``, ``sb.stop()``, the end of ``activate()``) close every listener.

Example::

    url = lam.create_function_url_config(FunctionName="hello", AuthType="NONE")["FunctionUrl"]
    urllib.request.urlopen(url + "?name=Ada").read()      # the handler's answer
    front_doors.api_url(api_id)                           # 'http://127.0.0.1:50124/'
"""

from __future__ import annotations

__all__ = ["api_url", "attach", "function_url", "routes"]


class FrontDoors:
    """The runtime service that closes every front door's listener on reset and close."""

    def reset(self) -> None:
        from . import function_urls, http_api, listener

        function_urls.forget_all()
        http_api.forget_all()
        listener.close_all()

    def settle(self, timeout: float) -> bool:
        return True

    def close(self) -> None:
        self.reset()


def attach(runtime) -> FrontDoors:
    """Install the front doors' moto hooks and tie their listeners to ``runtime`` (idempotent)."""
    from . import moto_hooks

    moto_hooks.install()
    for service in runtime.services:
        if isinstance(service, FrontDoors):
            return service
    service = FrontDoors()
    runtime.services.append(service)
    return service


def api_url(api_id: str, stage: str | None = None, *, region: str | None = None,
            account_id: str | None = None) -> str:
    """The local URL of an API Gateway API (an HTTP API or a REST API), like ``sam local start-api`` prints.

    An HTTP API's ``$default`` stage is served at the root (``stage=None``); a named stage under
    ``/<stage>/``. A REST API's URL always carries its stage, as an ``execute-api`` URL does.

    Example::

        api_id = apigw.create_api(Name="shop", ProtocolType="HTTP", Target=function_arn)["ApiId"]
        front_doors.api_url(api_id)             # 'http://127.0.0.1:50124/'
        front_doors.api_url(api_id, "prod")     # 'http://127.0.0.1:50124/prod/'
    """
    from . import urls

    return urls.api_url(api_id, stage, region=region, account_id=account_id)


def routes(api_id: str, stage: str | None = None):
    """What an API serves, one line per path, as ``sam local start-api`` prints its routes (a REST API
    needs its ``stage``).

    Example::

        front_doors.routes(api_id)
        # Mounting shop at http://127.0.0.1:50124/items/{id} [GET]
        # Mounting shop at http://127.0.0.1:50124/ [$default]
    """
    from . import http_api, rest_api, urls

    base = api_url(api_id, stage)
    try:
        key = urls.find_api_key(api_id)
    except urls.NoFrontDoor:
        if not stage:  # not served here, or an HTTP API served by another process (a grader's sandbox)
            raise urls.NoFrontDoor(f"routes({api_id!r}) lists the HTTP APIs this process serves; for a "
                                   "REST API name its stage, and in a kernel attached to a grader use "
                                   "api_url().") from None
        return rest_api.mounts(api_id, stage)
    return rest_api.Mounts(http_api.route_lines(key, base, stage))


def function_url(function_name: str, qualifier: str | None = None, *, region: str | None = None,
                 account_id: str | None = None) -> str:
    """The local URL of a function's URL config (``$LATEST`` or the alias ``qualifier``).

    Example::

        lam.create_function_url_config(FunctionName="hello", AuthType="NONE")
        front_doors.function_url("hello")       # 'http://127.0.0.1:50123/'
    """
    from . import urls

    return urls.function_url(function_name, qualifier, region=region, account_id=account_id)
