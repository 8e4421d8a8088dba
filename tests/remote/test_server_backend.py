"""The server backend against a real llama.cpp server: pane, Continue, Stop, live
sliders, ghost text, Chinese, prompt log-probabilities, the probe."""

from __future__ import annotations

import math
import threading

import pytest

from tests.remote.fault_proxy import FaultProxy
from writer_app.boundary.messages import (
    LoadRequest,
    ModelInfo,
    ServerProbe,
    ServerProbeRequest,
)
from writer_app.boundary.params import SamplingParams
from writer_app.boundary.server import ServerConnection
from writer_app.host.server_backend import ServerBackend, open_backend
from writer_app.host.serving import EngineHost

PROMPT = "I went on a trip to"
NEVER = lambda: False  # noqa: E731


def connect(url: str, model: str = "", **options: object) -> ServerBackend:
    return open_backend(LoadRequest("server", server=ServerConnection(url, model, **options)))


@pytest.fixture
def backend(llama_server):
    opened = connect(llama_server.url)
    yield opened
    opened.close()


def test_open_names_the_model_and_what_it_cannot_do(backend, llama_server):
    info = backend.info()
    assert info.backend == "server"
    assert info.name == llama_server.model
    assert info.device == "127.0.0.1"
    assert info.precision == "remote"
    assert "llama-cpp-python" in info.backend_note
    assert "20 most likely" in info.capabilities.reason(
        __import__("writer_app.boundary.backend", fromlist=["Feature"]).Feature.EXACT_PROBABILITIES)


def test_probe_through_the_engine_host_keeps_the_loaded_model(llama_server):
    host = EngineHost()
    server = ServerConnection(llama_server.url)
    loaded = host.execute(LoadRequest("server", server=server), lambda event: None,
                          threading.Event())
    assert isinstance(loaded, ModelInfo)
    before = host.backend
    probe = host.execute(ServerProbeRequest(server), lambda event: None, threading.Event())
    assert isinstance(probe, ServerProbe)
    assert probe.models == (llama_server.model,)
    assert probe.server == "llama-cpp-python"
    assert probe.seconds > 0 and probe.warning == ""
    assert host.backend is before  # the probe did not unload the model
    host.close()


def test_a_missing_model_is_named_with_the_ones_served(llama_server):
    with pytest.raises(Exception) as error:
        connect(llama_server.url, "no-such-model")
    assert "no-such-model" in error.value.message
    assert llama_server.model in error.value.hint


def test_pane_agrees_with_llama_cpp_in_process(fresh_server):
    """The raw column equals llama.cpp's own softmax over the same file's logits.

    A fresh server, so its first request evaluates the prompt from nothing, as the
    in-process model below does: llama.cpp's logits depend on how a prompt is split into
    batches, and a shared server reuses whatever prefix its last request left (CI once
    saw a 6% difference in a probability that way).
    """
    server = fresh_server()
    backend = connect(server.url)
    try:
        answer = backend.next_tokens(PROMPT, SamplingParams(), 10, "", NEVER)
        assert answer is not None and len(answer.tokens) == 10
        check_pane_against_in_process(backend, answer)
    finally:
        backend.close()


def check_pane_against_in_process(backend, answer) -> None:
    import numpy as np
    from llama_cpp import Llama

    from tests.remote.conftest import N_CTX
    from writer_app.engine.models.builtin import default_gguf_path

    # the same shape of evaluation as the server's: one batch, logits for every position
    llm = Llama(model_path=str(default_gguf_path()), n_ctx=N_CTX, n_threads=1,
                n_threads_batch=1, logits_all=True, verbose=False)
    try:
        ids = llm.tokenize(PROMPT.encode(), add_bos=True)
        llm.eval(ids)
        logits = np.asarray(llm.scores[len(ids) - 1], dtype=np.float64)
        probs = np.exp(logits - logits.max())
        probs /= probs.sum()
        best = np.argsort(-probs)[:10]
        expected = {llm.detokenize([int(i)]).decode("utf-8", "replace"): float(probs[i])
                    for i in best}
    finally:
        llm.close()
    got = {token.text: token.prob for token in answer.tokens}
    # evaluated the same way, the server's figures are llama.cpp's to float32 rounding
    assert list(got) == list(expected)
    for text, prob in expected.items():
        assert got[text] == pytest.approx(prob, rel=1e-5)
    # the sampled column is our sampling over the 20 sent tokens: the shown 10 hold most
    assert 0.5 < sum(t.sampled_prob for t in answer.tokens) <= 1.0 + 1e-6
    plain = backend.reweigh(SamplingParams(temperature=1.0, top_k=0, top_p=1.0,
                                           repetition_penalty=1.0), 10)
    assert plain is not None and plain.approximate  # every unsent token would survive
    ratios = [t.sampled_prob / t.prob for t in plain.tokens]
    assert ratios[0] > 1 and ratios == pytest.approx([ratios[0]] * 10)  # renormalised
    assert answer.approximate  # top-k 50 reaches past the 20 tokens sent


def test_greedy_pane_is_exact_and_reweigh_needs_no_request(backend, llama_server):
    greedy = SamplingParams(temperature=0, repetition_penalty=1.0)
    answer = backend.next_tokens(PROMPT, greedy, 5, "", NEVER)
    assert answer is not None and not answer.approximate
    assert [t.sampled_prob for t in answer.tokens] == [1.0, 0.0, 0.0, 0.0, 0.0]
    requests = len(backend.client.requests)
    again = backend.reweigh(SamplingParams(temperature=1.0, top_k=3, top_p=1.0,
                                           repetition_penalty=1.0), 5)
    assert len(backend.client.requests) == requests
    assert again is not None and not again.approximate  # top-k 3 ≤ 20 sent: exact
    assert [t.text for t in again.tokens] == [t.text for t in answer.tokens]
    kept = sum(t.sampled_prob for t in again.tokens[:3])
    assert kept == pytest.approx(1.0) and again.tokens[3].sampled_prob == 0.0


def test_continue_streams_steps_with_probabilities(backend):
    params = SamplingParams(temperature=0, max_new_tokens=6)
    run = backend.generate(PROMPT, lambda: params, NEVER, "", 3)
    steps = list(run)
    summary = run.summary()
    assert summary.stop_reason in ("length", "eos")
    assert 1 <= summary.tokens <= 6
    text = "".join(step.text for step in steps)
    assert text.strip()
    assert [s.index for s in steps] == list(range(len(steps)))
    for step in steps:
        assert step.token_id >= 0 and 0 < step.prob <= 1
        assert step.sampled_prob == 1.0  # greedy
        assert step.alternatives[0].text == step.text or step.text == ""
        assert len(step.alternatives) <= 3
    # greedy: the first token is the pane's top candidate
    pane = backend.next_tokens(PROMPT, SamplingParams(temperature=0), 3, "", NEVER)
    assert pane is not None and steps[0].text == pane.tokens[0].text


def test_stop_closes_the_connection(llama_server):
    proxy = FaultProxy(llama_server.port)
    try:
        opened = connect(proxy.url)
        stop = threading.Event()
        run = opened.generate(PROMPT, lambda: SamplingParams(max_new_tokens=200, seed=1),
                              stop.is_set, "", 3)
        steps = []
        for step in run:
            steps.append(step)
            if len(steps) == 2:
                stop.set()
        assert len(steps) == 2
        assert run.summary().stop_reason == "cancelled"
        opened.close()
        streamed = proxy.completions()[-1]
        _wait(lambda: streamed.client_closed)
    finally:
        proxy.stop()


def test_a_slider_moved_mid_generation_restarts_the_stream(llama_server):
    proxy = FaultProxy(llama_server.port)
    try:
        opened = connect(proxy.url)
        current = [SamplingParams(temperature=0, max_new_tokens=6)]
        run = opened.generate(PROMPT, lambda: current[0], NEVER, "", 2)
        steps = []
        for step in run:
            steps.append(step)
            if len(steps) == 2:
                current[0] = SamplingParams(temperature=0.7, top_k=5, max_new_tokens=6,
                                            seed=7)
        text = "".join(step.text for step in steps)
        streams = [entry.body for entry in proxy.completions() if entry.body.get("stream")]
        assert len(streams) == 2
        first, second = streams
        assert first["temperature"] == 0.0 and first["max_tokens"] == 6
        assert second["temperature"] == 0.7 and second["top_k"] == 5 and second["seed"] == 7
        so_far = "".join(step.text for step in steps[:2])
        assert second["prompt"] == PROMPT + so_far  # continues from the text so far
        assert second["max_tokens"] == 4  # the budget left
        assert text.startswith(so_far) and len(steps) <= 6
        opened.close()
    finally:
        proxy.stop()


def test_ghost_text_samples_are_cut_at_the_sentence_end(backend):
    from writer_app.engine.boundaries import suggestion_end

    rows = backend.samples("The weather today is", SamplingParams(max_new_tokens=12, seed=3),
                           3, "", NEVER, suggestion_end)
    assert len(rows) == 3
    for row in rows:
        end = suggestion_end(row)
        assert end is None or end == len(row)
        assert "<start_of_image>" not in row


def test_chinese_prompt_and_continuation(backend):
    params = SamplingParams(temperature=0, max_new_tokens=5)
    pane = backend.next_tokens("我们去北京旅行，", params, 5, "", NEVER)
    assert pane is not None and pane.tokens
    assert all("\ufffd" not in t.text for t in pane.tokens[:3])
    steps = list(backend.generate("我们去北京旅行，", lambda: params, NEVER, "", 2))
    text = "".join(step.text for step in steps)
    assert text and "\ufffd" not in text
    usage = backend.context_usage("我们去北京旅行，")
    assert not usage.approximate and usage.used >= 4  # the server's own tokenizer


def test_prompt_logprobs_from_an_echoed_completion(backend):
    values = backend.prompt_logprobs(PROMPT)
    assert "".join(text for text, _ in values) == PROMPT
    assert values[0][1] is None
    assert all(v is not None and v <= 0 and not math.isnan(v) for _, v in values[1:])


def _wait(condition, seconds: float = 10.0) -> None:
    import time

    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.05)
