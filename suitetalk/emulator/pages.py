"""What sits in front of NetSuite answers when it is not NetSuite answering: gateway and maintenance pages.

Real SuiteTalk traffic passes load balancers and gateways. When they give up they answer with their own
page, HTML or plain text, never SOAP: 429 from a rate limiter, 502/504 from a gateway whose upstream failed
or timed out, 503 during maintenance, 500 from a proxy. A login or maintenance page can even come back
with status 200, and a misconfigured proxy redirects. These builders make such answers for the injected
faults; they look like what such servers send (a DOCTYPE, a title, a short paragraph).
"""

from __future__ import annotations

from html import escape
from http import HTTPStatus
from typing import Literal

ErrorPageBody = Literal["html", "text"]

#: The statuses a gateway or load balancer answers SuiteTalk requests with on its own.
ERROR_PAGE_STATUSES: tuple[int, ...] = (429, 500, 502, 503, 504)
#: Of those, the ones that can come after NetSuite received (and possibly executed) the request: a proxy
#: error or a gateway whose upstream answered badly or too late. 429 and 503 are answered before.
MAYBE_EXECUTED_STATUSES: frozenset[int] = frozenset({500, 502, 504})
REDIRECT_STATUSES: tuple[int, ...] = (301, 302, 307, 308)
#: Path prefix of the place injected redirects point to; a request arriving there is counted, not served.
REDIRECT_PREFIX = "/moved"

_EXPLANATIONS = {
    429: "Too many requests have been sent from this address. Please try again later.",
    500: "The proxy server encountered an internal error and was unable to complete your request.",
    502: "The proxy server received an invalid response from an upstream server.",
    503: "NetSuite is currently unavailable because of scheduled maintenance. Please try again later.",
    504: "The gateway did not receive a timely response from the upstream server.",
}


def status_line(status: int) -> str:
    """``"502 Bad Gateway"``: the status with its reason phrase, as WSGI wants it."""
    return f"{status} {HTTPStatus(status).phrase}"


def error_page(status: int, body: ErrorPageBody) -> tuple[str, bytes]:
    """(content type, body) of a gateway's error page for ``status``."""
    title = status_line(status)
    explanation = _EXPLANATIONS.get(status, HTTPStatus(status).description)
    if body == "text":
        return "text/plain; charset=utf-8", f"{title}\n\n{explanation}\n".encode()
    html = (
        "<!DOCTYPE html>\n"
        f"<html><head><title>{title}</title></head>\n"
        f"<body><center><h1>{title}</h1></center>\n<p>{explanation}</p>\n<hr><center>gateway</center>\n"
        "</body></html>\n"
    )
    return "text/html; charset=utf-8", html.encode()


def ok_html_page() -> tuple[str, bytes]:
    """(content type, body) of the HTML page some proxies answer with status 200: a login page."""
    html = (
        "<!DOCTYPE html>\n"
        "<html><head><title>NetSuite | Login</title></head>\n"
        "<body><h1>Log in to NetSuite</h1>\n"
        '<form method="post" action="/app/login/secure/enterpriselogin.nl">'
        '<input type="email" name="email"><input type="password" name="password">'
        '<button type="submit">Log In</button></form>\n'
        "<p>The site is undergoing maintenance; some services may be unavailable.</p>\n"
        "</body></html>\n"
    )
    return "text/html; charset=utf-8", html.encode()


def redirect_page(location: str) -> tuple[str, bytes]:
    """(content type, body) sent with an injected redirect."""
    shown = escape(location)
    page = f'<!DOCTYPE html>\n<html><body><p>Moved to <a href="{shown}">{shown}</a>.</p></body></html>\n'
    return "text/html; charset=utf-8", page.encode()
