"""normalise_base_url: what a user types becomes a base URL ending in /v1, or a
WriterError with a hint — never another exception."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from writer_app.boundary.server import ServerConnection, is_loopback_host, normalise_base_url
from writer_app.errors import WriterError


@pytest.mark.parametrize(("typed", "expected"), [
    ("localhost:8080", "http://localhost:8080/v1"),
    ("https://host/v1/", "https://host/v1"),
    ("http://127.0.0.1:8000/v1/completions", "http://127.0.0.1:8000/v1"),
    ("http://127.0.0.1:8000/v1/chat/completions", "http://127.0.0.1:8000/v1"),
    ("http://h:1/api/v1/models", "http://h:1/api/v1"),
    ("  http://[::1]:11434  ", "http://[::1]:11434/v1"),
    ("http://gpu-box/openai", "http://gpu-box/openai/v1"),
])
def test_examples(typed, expected):
    assert normalise_base_url(typed) == expected


@pytest.mark.parametrize("typed", ["", "   ", "ftp://host/v1", "http://host:0/v1",
                                   "http://host:99999/v1", "http://:8080/v1", "host:port"])
def test_refused_with_a_hint(typed):
    with pytest.raises(WriterError) as error:
        normalise_base_url(typed)
    assert error.value.hint


@settings(max_examples=300, derandomize=True, deadline=None)
@given(st.text(max_size=60))
def test_any_text_gives_a_v1_url_or_a_writer_error(typed):
    try:
        url = normalise_base_url(typed)
    except WriterError as error:
        assert error.message and error.hint
        return
    assert url.startswith(("http://", "https://")) and url.endswith("/v1")
    assert normalise_base_url(url) == url  # idempotent


@settings(max_examples=200, derandomize=True, deadline=None)
@given(host=st.from_regex(r"[a-z][a-z0-9-]{0,20}(\.[a-z]{2,5})?", fullmatch=True),
       port=st.integers(1, 65535), scheme=st.sampled_from(["http", "https"]),
       tail=st.sampled_from(["", "/", "/v1", "/v1/", "/v1/completions", "/v1/models"]))
def test_real_addresses_keep_host_port_and_scheme(host, port, scheme, tail):
    url = normalise_base_url(f"{scheme}://{host}:{port}{tail}")
    assert url == f"{scheme}://{host}:{port}/v1"
    server = ServerConnection(url)
    assert server.host == host
    assert server.sends_in_clear == (scheme == "http" and not is_loopback_host(host))


def test_the_key_stays_out_of_repr():
    assert "secret" not in repr(ServerConnection("http://h:1/v1", api_key="secret"))
