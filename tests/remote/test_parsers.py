"""Properties of the stream and JSON parsers: however a valid stream is split into
pieces it gives the same events and steps; garbage never raises anything but a
WriterError (or, inside the parsers, ValueError that the client turns into one)."""

from __future__ import annotations

import contextlib
import json
import math
import socket
import threading

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from writer_app.boundary.params import SamplingParams
from writer_app.boundary.results import ContextUsage
from writer_app.engine.remote import pane, replies
from writer_app.engine.remote.sse import EventParser
from writer_app.engine.remote.transport import Endpoint, Reply
from writer_app.errors import WriterError

PROPERTY = settings(max_examples=150, derandomize=True, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])
TEXTS = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)),
                max_size=12)


def splits(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({min(len(data), c) for c in cuts})
    pieces, start = [], 0
    for point in points:
        pieces.append(data[start:point])
        start = point
    pieces.append(data[start:])
    return pieces


def stream_bytes(texts: list[str], line_end: str) -> bytes:
    lines = []
    for text in texts:
        event = {"choices": [{"index": 0, "text": text, "finish_reason": None,
                              "logprobs": {"tokens": [text], "token_logprobs": [-0.25],
                                           "top_logprobs": [{text: -0.25}]}}]}
        lines.append(f": ping{line_end}data: {json.dumps(event, ensure_ascii=False)}"
                     f"{line_end}{line_end}")
    lines.append(f"data: [DONE]{line_end}{line_end}")
    return "".join(lines).encode("utf-8")


@PROPERTY
@given(texts=st.lists(TEXTS, max_size=6), cuts=st.lists(st.integers(0, 4000), max_size=12),
       line_end=st.sampled_from(["\n", "\r\n", "\r"]))
def test_any_split_of_a_stream_gives_the_same_events(texts, cuts, line_end):
    data = stream_bytes(texts, line_end)
    parser = EventParser()
    events = []
    for piece in splits(data, cuts):
        events += parser.feed(piece)
    events += parser.finish()
    assert events[-1] == "[DONE]"
    parsed = [replies.parse_completion(json.loads(e))[0] for e in events[:-1]]
    assert [c.text for c in parsed] == texts
    assert all(c.positions[0].chosen.text == t for c, t in zip(parsed, texts, strict=True))


@PROPERTY
@given(garbage=st.binary(max_size=300), cuts=st.lists(st.integers(0, 300), max_size=5))
def test_garbage_bytes_raise_only_value_error(garbage, cuts):
    parser = EventParser()
    try:
        for piece in splits(garbage, cuts):
            for event in parser.feed(piece):
                replies.parse_completion(replies.loads(event))
    except ValueError:
        pass


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | TEXTS,
                    lambda inner: st.lists(inner, max_size=4)
                    | st.dictionaries(st.sampled_from(
                        ["choices", "text", "index", "finish_reason", "logprobs", "tokens",
                         "token_logprobs", "top_logprobs", "text_offset", "content", "token",
                         "logprob", "bytes", "id", "data", "prompt_logprobs", "error"]),
                        inner, max_size=5), max_leaves=20)


@PROPERTY
@given(document=JSON)
def test_any_json_parses_or_raises_value_error(document):
    for parse in (replies.parse_completion, replies.models_in, replies.parse_prompt_logprobs):
        with contextlib.suppress(ValueError):
            parse(document)


@PROPERTY
@given(logprobs=st.lists(st.floats(-30, 0), min_size=1, max_size=20),
       temperature=st.floats(0, 3), top_k=st.integers(0, 40), top_p=st.floats(0.05, 1.0),
       penalty=st.floats(0.5, 2.0))
def test_the_pane_from_any_top_logprobs(logprobs, temperature, top_k, top_p, penalty):
    total = sum(math.exp(v) for v in logprobs)
    if total > 1:  # a real server's top tokens hold at most all of the mass
        logprobs = [v - math.log(total) for v in logprobs]
    top = [replies.TokenLogprob(f"t{i}", v) for i, v in enumerate(logprobs)]
    params = SamplingParams(temperature=temperature, top_k=top_k, top_p=top_p,
                            repetition_penalty=penalty)
    answer = pane.next_tokens(top, "t1 t2", params, 10, ContextUsage(3, 0, 100), pane.TokenIds())
    probs = [t.prob for t in answer.tokens]
    assert probs == sorted(probs, reverse=True)
    assert all(t.id >= 0 for t in answer.tokens)
    assert sum(t.sampled_prob for t in answer.tokens) <= 1 + 1e-5
    if params.is_greedy and penalty == 1.0:
        assert not answer.approximate


def reply_over_socket(data: bytes, cuts: list[int]) -> bytes | WriterError:
    """Serve `data` in pieces over a socket pair; read it with the real Reply."""
    ours, theirs = socket.socketpair()

    def send() -> None:
        try:
            for piece in splits(data, cuts):
                theirs.sendall(piece)
        except OSError:
            pass
        finally:
            theirs.close()

    sender = threading.Thread(target=send)
    sender.start()
    reply = Reply(ours, Endpoint.parse("http://127.0.0.1:9/v1"), 5.0, lambda: False)
    try:
        reply.read_head()
        return reply.read_all()
    except WriterError as error:
        return error
    finally:
        reply.close()
        sender.join()


@settings(max_examples=60, derandomize=True, deadline=None)
@given(body=st.binary(max_size=200), chunk_sizes=st.lists(st.integers(1, 50), max_size=6),
       cuts=st.lists(st.integers(0, 400), max_size=6))
def test_chunked_bodies_read_whole_however_split(body, chunk_sizes, cuts):
    chunks, rest = [], body
    for size in chunk_sizes:
        chunks.append(rest[:size])
        rest = rest[size:]
    chunks.append(rest)
    encoded = b"".join(f"{len(c):x}\r\n".encode() + c + b"\r\n" for c in chunks if c)
    data = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + encoded + b"0\r\n\r\n"
    assert reply_over_socket(data, cuts) == body


@settings(max_examples=60, derandomize=True, deadline=None)
@given(garbage=st.binary(max_size=200), cuts=st.lists(st.integers(0, 200), max_size=4))
def test_garbage_replies_are_writer_errors(garbage, cuts):
    result = reply_over_socket(b"HTTP/1.1 200 OK\r\n" + garbage, cuts)
    assert isinstance(result, (bytes, WriterError))
