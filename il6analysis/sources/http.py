"""HTTP for the public sources: timeouts, retries with backoff, an identifying User-Agent.

Every failure is raised as :class:`~il6analysis.errors.SourceError` with a
message that names the request, so a caller can fall back to cached data.

openFDA API key: when the environment variable ``OPENFDA_API_KEY`` is set,
:meth:`HttpClient.get_json` adds it as the ``api_key`` query parameter to
requests for ``api.fda.gov`` (and its subdomains) only, never to other hosts.
The key is read at each request and is replaced by ``REDACTED`` in every
error message.
"""

from __future__ import annotations

import os
import re
from importlib import metadata
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.util import Retry

from il6analysis.errors import HttpStatusError, SourceError

RETRY_STATUSES = (429, 500, 502, 503, 504)
API_KEY_VARIABLE = "OPENFDA_API_KEY"
OPENFDA_HOST = "api.fda.gov"
_API_KEY_IN_TEXT = re.compile(r"(api_key=)[^&\s'\"]+")


def default_user_agent() -> str:
    """Return ``il6analysis/<version> (+https://pypi.org/project/il6analysis/)``."""
    return f"il6analysis/{metadata.version('il6analysis')} (+https://pypi.org/project/il6analysis/)"


def redact(text: str) -> str:
    """Return ``text`` with the value of every ``api_key=`` query parameter replaced by ``REDACTED``."""
    return _API_KEY_IN_TEXT.sub(r"\1REDACTED", text)


def _is_openfda(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    return host == OPENFDA_HOST or host.endswith("." + OPENFDA_HOST)


def _json_or_none(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


class HttpClient:
    """A ``requests`` session that retries GETs and raises :class:`SourceError`.

    Args:
        timeout: seconds to wait for the connection and for each read.
        retries: how many times a GET is retried after a connection error or a
            429/500/502/503/504 answer.
        backoff: backoff factor in seconds. urllib3 retries the first time at
            once, then waits ``backoff * 2**(n-1)`` seconds before retry *n*
            (at most 120 s), or as long as the server's ``Retry-After`` header
            asks. ``0`` never waits except for ``Retry-After`` (for tests).
        user_agent: the User-Agent header (default :func:`default_user_agent`).
    """

    def __init__(
        self, timeout: float = 30, retries: int = 4, backoff: float = 1.0, user_agent: str | None = None
    ) -> None:
        self.timeout = timeout
        retry = Retry(
            total=retries,
            backoff_factor=backoff,
            status_forcelist=RETRY_STATUSES,
            allowed_methods=frozenset({"GET"}),
            respect_retry_after_header=True,
            raise_on_status=False,
        )
        self.session = requests.Session()
        adapter = HTTPAdapter(max_retries=retry)
        self.session.mount("https://", adapter)
        self.session.mount("http://", adapter)
        self.session.headers["User-Agent"] = user_agent or default_user_agent()

    def get_json(self, url: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        """GET ``url`` with query ``params`` and return the JSON object it answers.

        Returns:
            The decoded JSON object.

        Raises:
            SourceError: the host could not be reached or timed out (after the
                retries), or the request failed otherwise (e.g. a broken
                download); the body is not a JSON object.
            HttpStatusError: the final answer has an HTTP error status; the
                message gives the status and the request URL.
        """
        params = self._with_api_key(url, params)
        try:
            response = self.session.get(url, params=params, timeout=self.timeout)
        except (requests.ConnectionError, requests.Timeout) as exc:
            raise SourceError(
                redact(f"could not reach {urlsplit(url).hostname} ({url}): {exc}; cached data stays in use")
            ) from None
        except requests.RequestException as exc:
            raise SourceError(redact(f"request to {url} failed: {exc}; cached data stays in use")) from None
        shown = redact(response.url)
        if not response.ok:
            message = f"HTTP {response.status_code} {response.reason} from {shown}"
            excerpt = response.text[:300].strip()
            if excerpt:
                message += f": {excerpt}"
            raise HttpStatusError(redact(message), response.status_code, shown, _json_or_none(response))
        body = _json_or_none(response)
        if not isinstance(body, dict):
            kind = "not JSON" if body is None else f"JSON {type(body).__name__}, not an object"
            content_type = response.headers.get("Content-Type", "no Content-Type")
            raise SourceError(f"the answer from {shown} is {kind} ({content_type})")
        return body

    @staticmethod
    def _with_api_key(url: str, params: dict[str, Any] | None) -> dict[str, Any]:
        """Return ``params`` plus ``api_key`` from ``$OPENFDA_API_KEY`` when ``url`` is on api.fda.gov.

        A caller's own ``api_key`` is kept.
        """
        params = dict(params or {})
        key = os.environ.get(API_KEY_VARIABLE)
        if key and _is_openfda(url):
            params.setdefault("api_key", key)
        return params
