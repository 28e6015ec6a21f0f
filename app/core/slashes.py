"""A path with a trailing slash too many (or one missing) is redirected to the route it means, by a
relative reference.

Starlette's router redirects such a path itself (``redirect_slashes``), but to an absolute URL
built from the request's ``Host`` header: ``Host: evil.example`` made the API answer
``307 Location: http://evil.example/api/v1/registrants``, a redirect a client follows with its
body (and, for a 307, its method) to whatever host the request named. The router's redirect is
turned off (:func:`install`) and the not-found handler answers with :func:`other_form` instead: a
``307`` whose ``Location`` is the path alone (a relative reference, RFC 9110 §10.2.2, resolved by
the client against the URL it asked), the query kept.
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi import FastAPI
from starlette.requests import Request
from starlette.routing import Match, Route


def install(app: FastAPI) -> None:
    """Stop the router's own (absolute) slash redirects; the not-found handler redirects instead."""
    app.router.redirect_slashes = False


def other_form(request: Request) -> str | None:
    """The relative URL of the route ``request``'s path means with its trailing slash removed or
    added, query kept, or ``None`` when neither form is a route (or the path is ``/``)."""
    path = request.scope.get("path", "")
    if not path or path == "/":
        return None
    routes = request.app.router.routes
    if any(route.matches(request.scope)[0] is Match.FULL for route in routes):
        return None  # a route or a mount (the web client's files) answered 404 itself
    other = path[:-1] if path.endswith("/") else f"{path}/"
    scope = {**request.scope, "path": other}
    if not any(isinstance(route, Route) and route.matches(scope)[0] is Match.FULL for route in routes):
        return None
    query = request.scope.get("query_string", b"").decode("latin-1")
    location = quote(f"{request.scope.get('root_path', '')}{other}")
    return f"{location}?{query}" if query else location
