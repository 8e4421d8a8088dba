"""Every way a server can fail, each a clear one-line WriterError: a down server, a
wrong name, a refused key, a wrong path, TLS, a stall, a cut stream, garbage — and a
server killed mid-generation keeps the steps already delivered."""

from __future__ import annotations

import json
import threading

import pytest

from tests.remote.conftest import free_port
from tests.remote.fault_proxy import Fault, http_reply, sse_reply
from writer_app.boundary.messages import LoadRequest
from writer_app.boundary.params import SamplingParams
from writer_app.boundary.server import ServerConnection
from writer_app.engine.remote.client import Client
from writer_app.errors import WriterError
from writer_app.host.server_backend import open_backend, probe

PROMPT = "I went on a trip to"
NEVER = lambda: False  # noqa: E731
MODELS = {"object": "list", "data": [{"id": "m", "object": "model", "owned_by": "me"}]}


def connect(url: str, **options: object):
    return open_backend(LoadRequest("server", server=ServerConnection(url, **options)))


def chunk(text: str, token: str | None = None, offset: int | None = None,
          finish: str | None = None, logprob: float = -0.5) -> dict:
    logprobs = None
    if token is not None:
        logprobs = {"tokens": [token], "token_logprobs": [logprob],
                    "top_logprobs": [{token: logprob, "x": -3.0}],
                    "text_offset": [offset] if offset is not None else []}
    return {"choices": [{"index": 0, "text": text, "logprobs": logprobs,
                         "finish_reason": finish}]}


def models_fault() -> Fault:
    return Fault(path="/models", reply=http_reply(200, json.dumps(MODELS)))


def test_nothing_listening():
    port = free_port()
    with pytest.raises(WriterError) as error:
        probe(ServerConnection(f"http://127.0.0.1:{port}/v1"))
    assert "Nothing answers" in error.value.message and str(port) in error.value.message
    assert "running" in error.value.hint


def test_unknown_host():
    with pytest.raises(WriterError) as error:
        probe(ServerConnection("http://no-such-host.invalid:8080/v1"))
    assert "no-such-host.invalid" in error.value.message
    assert "cannot be found" in error.value.message


def test_tls_to_a_plain_http_port_names_host_and_certificate(llama_server):
    with pytest.raises(WriterError) as error:
        probe(ServerConnection(f"https://127.0.0.1:{llama_server.port}/v1", timeout_s=5))
    assert "127.0.0.1" in error.value.message and "certificate" in error.value.message
    assert "http://" in error.value.hint


def test_plain_http_to_another_machine_warns():
    server = ServerConnection("http://192.0.2.1:8080/v1")
    assert server.sends_in_clear  # the probe adds its warning for such a URL


@pytest.mark.parametrize(("status", "words"), [
    (401, "API key"), (403, "API key"), (404, "/v1"), (500, "failed the request")])
def test_error_statuses(canned, status, words):
    canned.add(Fault(reply=http_reply(status, '{"error": {"message": "nope"}}')))
    with pytest.raises(WriterError) as error:
        probe(ServerConnection(canned.url))
    assert words in error.value.message + error.value.hint
    assert str(status) in error.value.message


def test_a_wrong_api_key_is_refused(fresh_server):
    server = fresh_server(api_key="right-key")
    with pytest.raises(WriterError) as error:
        probe(ServerConnection(server.url, api_key="wrong-key"))
    assert "API key" in error.value.message and "401" in error.value.message
    answer = probe(ServerConnection(server.url, api_key="right-key"))
    assert answer.models == (server.model,)


@pytest.mark.parametrize("body", [b"<html>hello</html>", b'{"data": [', b'{"object": "list"}',
                                  b"\xff\xfe garbage", b"[1, 2, 3]"])
def test_garbage_instead_of_a_model_list(canned, body):
    canned.add(Fault(reply=http_reply(200, body)))
    with pytest.raises(WriterError) as error:
        probe(ServerConnection(canned.url))
    assert "cannot read" in error.value.message and canned.url in error.value.message


def test_not_http_at_all(canned):
    canned.add(Fault(reply=b"SSH-2.0-OpenSSH\r\n"))
    with pytest.raises(WriterError) as error:
        probe(ServerConnection(canned.url))
    assert "not an HTTP reply" in error.value.message


def test_a_stalled_server_times_out_and_cancel_is_quick(proxy):
    proxy.add(Fault(path="/models", stall_after=10))
    with pytest.raises(WriterError) as error:
        probe(ServerConnection(proxy.url, timeout_s=1.0))
    assert "did not answer within 1 s" in error.value.message
    flag = threading.Event()
    stop = threading.Timer(0.3, flag.set)
    stop.start()
    with pytest.raises(WriterError) as error:  # cancelled while the server is silent
        probe(ServerConnection(proxy.url, timeout_s=60.0), flag.is_set)
    stop.join()
    assert "cancelled" in error.value.message


def test_idempotent_calls_are_retried_a_stream_is_not(canned):
    canned.add(Fault(path="/models", reply=http_reply(503, "busy"), times=2))
    canned.add(models_fault())
    assert probe(ServerConnection(canned.url)).models == ("m",)  # the third try answers
    assert len([e for e in canned.log if e.path.endswith("/models")]) == 3
    canned.add(Fault(path="/completions", reply=http_reply(503, "busy")))
    backend = connect(canned.url)
    with pytest.raises(WriterError):
        list(backend.generate(PROMPT, lambda: SamplingParams(), NEVER, "", 3))
    assert len(canned.completions()) == 1
    backend.close()


def test_a_stream_cut_mid_way_keeps_the_steps_before_it(canned):
    canned.add(models_fault())
    events = [chunk(" one", " one", 19), chunk(" two", " two", 23)]
    whole = sse_reply(events, done=False)
    canned.add(Fault(path="/completions", reply=whole[: len(whole) - 5]))  # cut inside
    backend = connect(canned.url)
    steps = []
    with pytest.raises(WriterError) as error:
        for step in backend.generate(PROMPT, lambda: SamplingParams(), NEVER, "", 3):
            steps.append(step)
    assert [s.text for s in steps] == [" one", " two"]
    assert "ended in the middle" in error.value.message
    assert "text so far is kept" in error.value.hint
    backend.close()


@pytest.mark.parametrize("bad", ["not json", '{"choices": [{"text": 5}]}',
                                 '{"choices": [{"text": "a", "logprobs": {"tokens": [1]}}]}',
                                 '{"choices": "x"}', '{"choices": [{"text": "a", "logprobs":'
                                 ' {"tokens": ["a"], "token_logprobs": [3.0]}}]}'])
def test_garbage_mid_stream(canned, bad):
    canned.add(models_fault())
    canned.add(Fault(path="/completions", reply=sse_reply([chunk(" one", " one", 19), bad])))
    backend = connect(canned.url)
    steps = []
    with pytest.raises(WriterError) as error:
        for step in backend.generate(PROMPT, lambda: SamplingParams(), NEVER, "", 3):
            steps.append(step)
    assert [s.text for s in steps] == [" one"]
    assert "cannot read" in error.value.message
    backend.close()


def test_a_real_stream_cut_by_the_proxy(proxy):
    backend = connect(proxy.url)
    proxy.add(Fault(path="/completions", cut_after=900))
    steps = []
    with pytest.raises(WriterError) as error:
        for step in backend.generate(PROMPT, lambda: SamplingParams(max_new_tokens=30,
                                                                    seed=2), NEVER, "", 3):
            steps.append(step)
    assert "ended in the middle" in error.value.message
    assert len(steps) < 30
    backend.close()


def test_the_server_killed_mid_generation(fresh_server):
    server = fresh_server()
    backend = connect(server.url)
    steps = []
    with pytest.raises(WriterError) as error:
        run = backend.generate(PROMPT, lambda: SamplingParams(max_new_tokens=100, seed=5),
                               NEVER, "", 3)
        for step in run:
            steps.append(step)
            if len(steps) == 2:
                server.kill()
    assert len(steps) >= 2 and "".join(s.text for s in steps[:2])
    assert error.value.message.startswith("The connection to")
    backend.close()


def test_split_characters_are_fetched_again_whole(canned):
    """llama-cpp-python drops a character split across tokens from a logprob stream (each
    token decoded alone); its text_offset runs ahead, and the text is fetched whole."""
    canned.add(models_fault())
    prompt = "你好"
    first = sse_reply([chunk("，", "，", 2), chunk("", "", 3), chunk("", "", 3),
                       chunk("好", "好", 5), chunk("!", "!", 6, finish="length")])
    burst = sse_reply([{"choices": [{"index": 0, "text": "𠀋", "finish_reason": None}]},
                       {"choices": [{"index": 0, "text": "好", "finish_reason": "length"}]}])
    rest = sse_reply([chunk("。", "。", 5, finish="length")])
    canned.add(Fault(path="/completions", reply=first, times=1))
    canned.add(Fault(path="/completions", reply=burst, times=1))
    canned.add(Fault(path="/completions", reply=rest, times=1))
    backend = connect(canned.url)
    params = SamplingParams(max_new_tokens=8)
    steps = list(backend.generate(prompt, lambda: params, NEVER, "", 3))
    text = "".join(s.text for s in steps)
    assert text == "，𠀋好。"
    assert "\ufffd" not in text
    bodies = [entry.body for entry in canned.completions()]
    assert bodies[1]["prompt"] == prompt + "，" and "logprobs" not in bodies[1]
    assert bodies[1]["max_tokens"] == 4
    assert bodies[2]["prompt"] == prompt + "，𠀋好" and bodies[2]["logprobs"]
    backend.close()


def test_bytes_of_llama_cpp_server_shape_are_decoded_whole(canned):
    """llama.cpp's own server sends each token's bytes: a character split across two
    tokens appears once, whole, never as U+FFFD."""
    canned.add(models_fault())
    char = "😀".encode()

    def entry(raw: bytes, text: str) -> dict:
        return {"id": raw[0], "token": text, "bytes": list(raw), "logprob": -0.1,
                "top_logprobs": [{"id": raw[0], "token": text, "bytes": list(raw),
                                  "logprob": -0.1}]}

    events = [{"choices": [{"index": 0, "text": "", "finish_reason": None,
                            "logprobs": {"content": [entry(char[:2], "\ufffd")]}}]},
              {"choices": [{"index": 0, "text": "😀", "finish_reason": "stop",
                            "logprobs": {"content": [entry(char[2:], "\ufffd")]}}]}]
    canned.add(Fault(path="/completions", reply=sse_reply(events)))
    backend = connect(canned.url)
    steps = list(backend.generate("hi", lambda: SamplingParams(max_new_tokens=4), NEVER,
                                  "", 3))
    assert "".join(s.text for s in steps) == "😀"
    assert all("\ufffd" not in s.text for s in steps)
    backend.close()


def test_client_close_stops_a_stream_from_another_thread(proxy):
    client = Client(proxy.url)
    proxy.add(Fault(path="/completions", stall_after=200))
    body = {"prompt": PROMPT, "max_tokens": 50, "stream": True}
    got: list[object] = []

    def read() -> None:
        try:
            for event in client.stream("/completions", body):
                got.append(event)
        except WriterError as error:
            got.append(error)

    reader = threading.Thread(target=read)
    reader.start()
    import time

    time.sleep(1.0)
    client.close()
    reader.join(5)
    assert not reader.is_alive()


def test_a_server_that_sends_no_probabilities_says_so_instead_of_an_empty_pane(canned):
    """Some servers (older Ollama, LM Studio versions) ignore `logprobs`: the pane must say
    why it is empty rather than show nothing."""
    canned.add(models_fault())
    canned.add(Fault(path="/completions", reply=http_reply(200, json.dumps(
        {"choices": [{"index": 0, "text": " Paris", "logprobs": None,
                      "finish_reason": "length"}]}))))
    backend = connect(canned.url)
    try:
        with pytest.raises(WriterError) as error:
            backend.next_tokens(PROMPT, SamplingParams(), 10, "", NEVER)
    finally:
        backend.close()
    assert "sends no token probabilities" in error.value.message
    assert canned.url in error.value.message and "logprobs" in error.value.hint
