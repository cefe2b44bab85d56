"""Which resource and method of a REST API a request reaches: API Gateway's resource-tree matching.

A REST API is a tree of resources (``/``, ``/items``, ``/items/{id}``, ``/{proxy+}``), each with its
methods (``GET``, ``POST`` … or ``ANY``). A request path is matched segment by segment, and where
several resources fit, the more specific one wins at the first segment where they differ: a literal
segment (``items``) before a path parameter (``{id}``), a path parameter before a greedy one
(``{proxy+}``, which takes one or more of the remaining segments, and only as the last segment). A
trailing slash is ignored. The matched resource must have the request's method or ``ANY``; otherwise
there is no match, and API Gateway answers 403 ``Missing Authentication Token``.

Parameter values are percent-decoded; literal segments are compared with the decoded segment.

Example::

    table = RouteTable([Resource("r1", "/items/{id}", {"GET": integration}),
                        Resource("r2", "/{proxy+}", {"ANY": integration})])
    match = table.match("GET", "/items/42")
    match.resource_path, match.path_parameters     # ('/items/{id}', {'id': '42'})
    table.match("DELETE", "/a/b").path_parameters  # {'proxy': 'a/b'}
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from urllib.parse import unquote

ANY = "ANY"
_LITERAL, _PARAMETER, _GREEDY = 0, 1, 2  # the order in which matches are preferred


@dataclasses.dataclass(frozen=True)
class Integration:
    """A method's integration as deployed: its ``type`` (``AWS_PROXY`` …), ``uri`` and timeout."""

    type: str
    uri: str
    timeout_ms: int | None = None


@dataclasses.dataclass(frozen=True)
class Resource:
    """One resource of the tree: its id, its path template, and its methods (``None``: no integration)."""

    id: str
    path: str
    methods: Mapping[str, Integration | None]


@dataclasses.dataclass(frozen=True)
class Match:
    """What a request reached: the resource, the method key (``GET`` or ``ANY``) and its integration."""

    resource_id: str
    resource_path: str
    method: str
    integration: Integration | None
    path_parameters: dict[str, str] | None


def _segments(path: str) -> list[str]:
    path = path.strip("/")
    return path.split("/") if path else []


def _kind(template_segment: str) -> tuple[int, str]:
    if template_segment.startswith("{") and template_segment.endswith("+}"):
        return _GREEDY, template_segment[1:-2]
    if template_segment.startswith("{") and template_segment.endswith("}"):
        return _PARAMETER, template_segment[1:-1]
    return _LITERAL, template_segment


def match_path(template: str, path: str) -> tuple[tuple[int, ...], dict[str, str]] | None:
    """``(rank, parameters)`` when the resource ``template`` fits the (percent-encoded) request ``path``;
    a smaller rank is a more specific match. None when it does not fit.

    Example::

        match_path("/items/{id}", "/items/a%20b")    # ((0, 1), {'id': 'a b'})
    """
    wanted, given = _segments(template), _segments(path)
    rank: list[int] = []
    parameters: dict[str, str] = {}
    for index, template_segment in enumerate(wanted):
        kind, name = _kind(template_segment)
        if kind == _GREEDY:
            if index != len(wanted) - 1 or index >= len(given):
                return None
            parameters[name] = unquote("/".join(given[index:]))
            rank.append(kind)
            return tuple(rank), parameters
        if index >= len(given):
            return None
        value = unquote(given[index])
        if kind == _LITERAL and value != name:
            return None
        if kind == _PARAMETER:
            if not value:
                return None
            parameters[name] = value
        rank.append(kind)
    if len(given) != len(wanted):
        return None
    return tuple(rank), parameters


class RouteTable:
    """The resources of one deployment, ready to match requests (see the module's docstring)."""

    def __init__(self, resources: Iterable[Resource]):
        self.resources = tuple(resources)

    def resource_for(self, path: str) -> tuple[Resource, dict[str, str]] | None:
        """The most specific resource whose template fits ``path``, with its path parameters."""
        best = None
        for resource in self.resources:
            found = match_path(resource.path, path)
            if found is not None and (best is None or found[0] < best[0]):
                best = (found[0], resource, found[1])
        return None if best is None else (best[1], best[2])

    def match(self, method: str, path: str) -> Match | None:
        """The resource and method a ``method`` request for ``path`` reaches, or None (403 on AWS)."""
        found = self.resource_for(path)
        if found is None:
            return None
        resource, parameters = found
        method = method.upper()
        key = method if method in resource.methods else ANY if ANY in resource.methods else None
        if key is None:
            return None
        return Match(resource.id, resource.path, key, resource.methods[key], parameters or None)
