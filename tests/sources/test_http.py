"""The HTTP client (retries, errors, User-Agent, openFDA key) and the response cache.

No test reaches the network: `responses` answers every request, and raises
ConnectionError for any request nothing was registered for.
"""

from __future__ import annotations

import errno
import json
import os
from datetime import timedelta
from importlib import metadata
from pathlib import Path

import pytest
import requests
import responses
import urllib3
from responses.registries import OrderedRegistry

from il6analysis import atomic
from il6analysis.errors import HttpStatusError, SourceError
from il6analysis.paths import location
from il6analysis.sources.cache import ResponseCache
from il6analysis.sources.http import HttpClient

URL = "https://example.org/api/items.json"
FDA_URL = "https://api.fda.gov/drug/label.json"
KEY = "secret-key-123"


@pytest.fixture
def mocked():
    """A `responses` mock that answers registered responses in order, each once."""
    with responses.RequestsMock(registry=OrderedRegistry) as rsps:
        yield rsps


@pytest.fixture
def client() -> HttpClient:
    return HttpClient(timeout=5, retries=3, backoff=0)


@pytest.fixture(autouse=True)
def no_api_key(monkeypatch):
    monkeypatch.delenv("OPENFDA_API_KEY", raising=False)


# --- HttpClient ---------------------------------------------------------------------------


def test_get_json_returns_the_object_and_sends_params_and_timeout(mocked, client):
    mocked.get(URL, json={"ok": 1})
    assert client.get_json(URL, {"q": "a b"}) == {"ok": 1}
    request = mocked.calls[0].request
    assert request.url == URL + "?q=a+b"
    assert request.req_kwargs["timeout"] == 5


def test_retries_503_then_succeeds(mocked, client):
    mocked.get(URL, status=503)
    mocked.get(URL, status=503)
    mocked.get(URL, json={"ok": True})
    assert client.get_json(URL) == {"ok": True}
    assert len(mocked.calls) == 3


def test_gives_up_after_the_retries_with_the_last_status(mocked):
    for _ in range(3):
        mocked.get(URL, status=502, body="bad gateway")
    with pytest.raises(HttpStatusError) as caught:
        HttpClient(retries=2, backoff=0).get_json(URL)
    assert caught.value.status == 502
    assert "HTTP 502" in str(caught.value) and URL in str(caught.value)
    assert len(mocked.calls) == 3


def test_429_is_retried(mocked, client):
    mocked.get(URL, status=429, headers={"Retry-After": "0"})
    mocked.get(URL, json={"ok": True})
    assert client.get_json(URL) == {"ok": True}
    assert len(mocked.calls) == 2


def test_retry_after_header_sets_the_wait(client, monkeypatch):
    # `responses` replays retries without sleeping, so check the mounted Retry itself.
    slept: list[float] = []
    monkeypatch.setattr(urllib3.util.retry.time, "sleep", slept.append)
    retry = client.session.get_adapter(URL).max_retries
    answer = urllib3.HTTPResponse(status=429, headers={"Retry-After": "7"})
    assert retry.is_retry("GET", 429, has_retry_after=True)
    retry.sleep(answer)
    assert slept == [7]


def test_client_errors_are_not_retried(mocked, client):
    mocked.get(URL, status=400, json={"error": {"message": "bad search"}})
    with pytest.raises(HttpStatusError) as caught:
        client.get_json(URL)
    assert caught.value.status == 400
    assert caught.value.body == {"error": {"message": "bad search"}}
    assert "bad search" in str(caught.value)
    assert len(mocked.calls) == 1


def test_http_error_names_the_url_and_redacts_the_api_key(mocked, client, monkeypatch):
    monkeypatch.setenv("OPENFDA_API_KEY", KEY)
    mocked.get(FDA_URL, status=403, body="forbidden")
    with pytest.raises(HttpStatusError) as caught:
        client.get_json(FDA_URL, {"search": "x"})
    message = str(caught.value)
    assert "HTTP 403" in message
    assert FDA_URL + "?search=x&api_key=REDACTED" in message
    assert KEY not in message and KEY not in caught.value.url


@pytest.mark.parametrize("failure", [requests.ConnectionError, requests.Timeout])
def test_unreachable_host_says_cached_data_stays_in_use(mocked, client, monkeypatch, failure):
    monkeypatch.setenv("OPENFDA_API_KEY", KEY)
    mocked.get(FDA_URL, body=failure(f"Max retries exceeded with url: /drug/label.json?api_key={KEY}"))
    with pytest.raises(SourceError) as caught:
        client.get_json(FDA_URL)
    message = str(caught.value)
    assert "could not reach api.fda.gov" in message and "cached data stays in use" in message
    assert KEY not in message and "api_key=REDACTED" in message
    assert caught.value.__cause__ is None and caught.value.__suppress_context__  # no key in tracebacks


def test_broken_download_is_a_source_error(mocked, client):
    mocked.get(URL, body=requests.exceptions.ChunkedEncodingError("connection broken: IncompleteRead"))
    with pytest.raises(SourceError, match=f"request to {URL} failed: .*IncompleteRead.*cached data stays in use"):
        client.get_json(URL)


def test_non_json_body_names_the_url(mocked, client):
    mocked.get(URL, body="<html>maintenance</html>", content_type="text/html")
    with pytest.raises(SourceError, match="example.org/api/items.json is not JSON .*text/html"):
        client.get_json(URL)


def test_json_that_is_not_an_object_is_an_error(mocked, client):
    mocked.get(URL, json=[1, 2])
    with pytest.raises(SourceError, match="JSON list, not an object"):
        client.get_json(URL)


def test_default_user_agent_names_the_package_and_version(mocked, client):
    mocked.get(URL, json={})
    client.get_json(URL)
    version = metadata.version("il6analysis")
    expected = f"il6analysis/{version} (+https://pypi.org/project/il6analysis/)"
    assert mocked.calls[0].request.headers["User-Agent"] == expected


def test_custom_user_agent(mocked):
    mocked.get(URL, json={})
    HttpClient(backoff=0, user_agent="me/1.0 (me@example.org)").get_json(URL)
    assert mocked.calls[0].request.headers["User-Agent"] == "me/1.0 (me@example.org)"


def test_api_key_is_added_only_for_api_fda_gov(mocked, client, monkeypatch):
    monkeypatch.setenv("OPENFDA_API_KEY", KEY)
    mocked.get(FDA_URL, json={})
    mocked.get(URL, json={})
    mocked.get("https://api.fda.gov.example.org/x", json={})
    client.get_json(FDA_URL, {"limit": 1})
    client.get_json(URL, {"limit": 1})
    client.get_json("https://api.fda.gov.example.org/x")
    fda, other, lookalike = (call.request for call in mocked.calls)
    assert fda.params == {"limit": "1", "api_key": KEY}
    assert other.params == {"limit": "1"}
    assert "api_key" not in lookalike.url


def test_no_api_key_without_the_variable(mocked, client):
    mocked.get(FDA_URL, json={})
    client.get_json(FDA_URL, {"limit": 1})
    assert mocked.calls[0].request.params == {"limit": "1"}


# --- ResponseCache ------------------------------------------------------------------------


def test_cache_round_trip(tmp_path):
    cache = ResponseCache(tmp_path / "cache")
    path = cache.save("openfda-label-x", {"results": [1]}, {"url": FDA_URL, "params": {"limit": 1}})
    assert path == tmp_path / "cache" / "openfda-label-x.json"
    stored = json.loads(path.read_text(encoding="utf-8"))
    assert stored["payload"] == {"results": [1]}
    assert stored["request"] == {"url": FDA_URL, "params": {"limit": 1}}
    assert cache.load("openfda-label-x") == stored
    retrieved = cache.retrieved("openfda-label-x")
    assert retrieved.utcoffset() == timedelta(0)  # timezone-aware UTC
    assert retrieved.isoformat() == stored["retrieved"]


def test_cache_absent_entry_is_none(tmp_path):
    cache = ResponseCache(tmp_path)
    assert cache.load("missing") is None
    assert cache.retrieved("missing") is None


def test_cache_default_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("IL6_CACHE_DIR", str(tmp_path / "elsewhere"))
    assert ResponseCache().folder == tmp_path / "elsewhere"
    monkeypatch.delenv("IL6_CACHE_DIR")
    assert ResponseCache().folder == location("cache")


@pytest.mark.parametrize("name", ["", "../escape", "a/b", ".hidden", "x y", "label?.json"])
def test_cache_rejects_unsafe_names(tmp_path, name):
    cache = ResponseCache(tmp_path)
    with pytest.raises(ValueError, match="not a safe file name"):
        cache.save(name, {}, {})
    with pytest.raises(ValueError, match="not a safe file name"):
        cache.load(name)


def _cache_with_good_entry(tmp_path: Path) -> tuple[ResponseCache, Path, str]:
    cache = ResponseCache(tmp_path)
    path = cache.save("entry", {"results": ["good"]}, {})
    return cache, path, path.read_text(encoding="utf-8")


def test_failed_write_leaves_the_old_entry_intact(tmp_path, monkeypatch):
    cache, path, before = _cache_with_good_entry(tmp_path)

    def disk_full(fd):
        raise OSError(errno.ENOSPC, "disk full")

    monkeypatch.setattr(atomic.os, "fsync", disk_full)
    with pytest.raises(OSError, match="disk full"):
        cache.save("entry", {"results": ["partial"]}, {})
    assert path.read_text(encoding="utf-8") == before
    assert os.listdir(tmp_path) == ["entry.json"]  # no temporary file left behind


def test_failed_replace_leaves_the_old_entry_intact(tmp_path, monkeypatch):
    cache, path, before = _cache_with_good_entry(tmp_path)

    def refuse(source, target):
        raise PermissionError("locked")

    monkeypatch.setattr(atomic.os, "replace", refuse)
    with pytest.raises(PermissionError):
        cache.save("entry", {"results": ["new"]}, {})
    assert path.read_text(encoding="utf-8") == before
    assert os.listdir(tmp_path) == ["entry.json"]


def test_corrupt_cache_file_names_the_file(tmp_path):
    cache = ResponseCache(tmp_path)
    (tmp_path / "entry.json").write_text('{"retrieved": "2026-01-01",\n "payload": {', encoding="utf-8")
    with pytest.raises(SourceError, match=r"entry\.json is corrupt: .* line 2"):
        cache.load("entry")


def test_json_that_is_not_a_cache_entry_is_an_error(tmp_path):
    (tmp_path / "entry.json").write_text('{"results": []}', encoding="utf-8")
    with pytest.raises(SourceError, match=r"entry\.json is not a cache entry"):
        ResponseCache(tmp_path).load("entry")


def test_invalid_retrieval_time_is_an_error(tmp_path):
    entry = {"retrieved": "yesterday", "request": {}, "payload": {}}
    (tmp_path / "entry.json").write_text(json.dumps(entry), encoding="utf-8")
    with pytest.raises(SourceError, match="no valid retrieval time: 'yesterday'"):
        ResponseCache(tmp_path).retrieved("entry")
