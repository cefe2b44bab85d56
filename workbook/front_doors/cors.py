"""A function URL's CORS configuration applied to requests: preflights answered, allow headers added.

Pure functions over the ``Cors`` dict of ``CreateFunctionUrlConfig`` (``AllowOrigins``, ``AllowMethods``,
``AllowHeaders``, ``ExposeHeaders``, ``MaxAge``, ``AllowCredentials``). No configuration, or an origin it
does not allow, means no ``Access-Control-*`` header at all: the browser then refuses the answer.

Example::

    cors = {"AllowOrigins": ["https://shop.example"], "AllowMethods": ["GET"]}
    preflight_headers(cors, "https://shop.example", "GET", "")
    # [('Access-Control-Allow-Origin', 'https://shop.example'), ('Access-Control-Allow-Methods', 'GET'), …]
"""

from __future__ import annotations


def _allowed_origin(cors: dict, origin: str) -> str | None:
    """The ``Access-Control-Allow-Origin`` value for ``origin``, or None when it is not allowed."""
    origins = cors.get("AllowOrigins") or []
    if "*" in origins:
        return origin if cors.get("AllowCredentials") else "*"
    lowered = origin.lower()
    return origin if any(lowered == allowed.lower() for allowed in origins) else None


def is_preflight(method: str, origin: str | None, requested_method: str | None) -> bool:
    """An ``OPTIONS`` request with ``Origin`` and ``Access-Control-Request-Method``: a browser's preflight."""
    return method == "OPTIONS" and bool(origin) and bool(requested_method)


def preflight_headers(cors: dict, origin: str, requested_method: str,
                      requested_headers: str) -> list[tuple[str, str]]:
    """The headers answering a preflight (empty when the origin, method or a header is not allowed)."""
    allow_origin = _allowed_origin(cors, origin)
    if allow_origin is None:
        return []
    methods = [m.upper() for m in cors.get("AllowMethods") or []]
    if "*" not in methods and requested_method.upper() not in methods:
        return []
    wanted = [h.strip().lower() for h in requested_headers.split(",") if h.strip()]
    allowed_headers = [h.lower() for h in cors.get("AllowHeaders") or []]
    if "*" not in allowed_headers and any(h not in allowed_headers for h in wanted):
        return []
    allow_methods = requested_method.upper() if "*" in methods else ",".join(methods)
    headers = [("Access-Control-Allow-Origin", allow_origin), ("Access-Control-Allow-Methods", allow_methods)]
    if wanted:
        headers.append(("Access-Control-Allow-Headers", ",".join(wanted)))
    if cors.get("MaxAge") is not None:
        headers.append(("Access-Control-Max-Age", str(int(cors["MaxAge"]))))
    if cors.get("AllowCredentials"):
        headers.append(("Access-Control-Allow-Credentials", "true"))
    headers.append(("Vary", "Origin"))
    return headers


def response_headers(cors: dict | None, origin: str | None) -> list[tuple[str, str]]:
    """The CORS headers added to an answer for a request from ``origin`` (empty without CORS or origin)."""
    if not cors or not origin:
        return []
    allow_origin = _allowed_origin(cors, origin)
    if allow_origin is None:
        return []
    headers = [("Access-Control-Allow-Origin", allow_origin)]
    if cors.get("ExposeHeaders"):
        headers.append(("Access-Control-Expose-Headers", ",".join(cors["ExposeHeaders"])))
    if cors.get("AllowCredentials"):
        headers.append(("Access-Control-Allow-Credentials", "true"))
    headers.append(("Vary", "Origin"))
    return headers


_LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")


def is_loopback_origin(origin: str) -> bool:
    """Is ``origin`` a page served from this machine (``http://localhost:8888``, JupyterLab's own)?"""
    scheme, _, rest = origin.lower().partition("://")
    host = rest.rsplit(":", 1)[0] if not rest.endswith("]") else rest
    return scheme in ("http", "https") and host in _LOOPBACK_NAMES


def names_origin(cors: dict | None, origin: str) -> bool:
    """Does the configuration name ``origin`` itself in ``AllowOrigins`` (``*`` names nobody)?"""
    lowered = origin.lower()
    return any(lowered == allowed.lower() for allowed in (cors or {}).get("AllowOrigins") or [] if allowed != "*")
