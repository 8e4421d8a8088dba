"""The command-line contract, run as a user runs it: a subprocess per call."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

import pytest

from writer_app import __version__

from .test_default_model import STEERED, reference

pytestmark = pytest.mark.integration

JSON_KEYS = {"model", "device", "backend", "approximate", "tokens"}  # the old three, plus two
TOKEN_KEYS = {"id", "text", "prob", "sampled_prob"}


def writer_app(*args: str, stdin: str | None = None, env: dict | None = None,
               timeout: float = 300) -> subprocess.CompletedProcess:
    environment = {**os.environ, "HF_HUB_OFFLINE": "1", **(env or {})}
    return subprocess.run([sys.executable, "-m", "writer_app", *args], input=stdin,
                          capture_output=True, text=True, encoding="utf-8", env=environment,
                          timeout=timeout, check=False)


def assert_one_line_failure(result: subprocess.CompletedProcess, code: int, *fragments: str):
    assert result.returncode == code, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr  # one line, no traceback
    assert "Traceback" not in result.stderr
    for fragment in fragments:
        assert fragment in lines[0]


def test_version():
    result = writer_app("--version")
    assert result.returncode == 0 and __version__ in result.stdout


def test_next_tokens_json_agrees_with_transformers(default_loaded):
    prompt = "I went on a trip to"
    result = writer_app("next-tokens", "--backend", "transformers",
                        "--dtype", "float32",  # the reference's precision
                        "--json", "--top", "15", "--temperature", "0.7",
                        "--top-k", "20", "--top-p", "0.9", "--repetition-penalty", "1.3",
                        prompt)
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    assert set(payload) == JSON_KEYS
    assert payload["device"] == "cpu" and "Gemma 3 270M" in payload["model"]
    assert payload["backend"] == "transformers" and payload["approximate"] is False
    raw, processed = reference(default_loaded, prompt, STEERED)
    tokens = payload["tokens"]
    assert len(tokens) == 15
    assert [t["prob"] for t in tokens] == sorted((t["prob"] for t in tokens), reverse=True)
    for token in tokens:
        assert set(token) == {"id", "text", "prob", "sampled_prob"}
        assert token["prob"] == pytest.approx(float(raw[token["id"]]), rel=1e-5, abs=1e-8)
        assert token["sampled_prob"] == pytest.approx(float(processed[token["id"]]),
                                                      rel=1e-5, abs=1e-8)
        assert token["text"] == default_loaded.tokenizer.decode([token["id"]])
    raw_only = json.loads(writer_app("next-tokens", "--backend", "transformers", "--dtype",
                                     "float32", "--json", "--top", "5", "--temperature",
                                     "1", "--top-k", "0", "--top-p", "1",
                                     "--repetition-penalty", "1", prompt).stdout)
    for token in raw_only["tokens"]:
        assert token["sampled_prob"] == pytest.approx(token["prob"], rel=1e-5)


def test_next_tokens_table_reads_stdin():
    result = writer_app("next-tokens", "--top", "3", "-", stdin="我们去北京旅行，")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 4 and "prob" in lines[0]


def _llama_cpp_cannot_run() -> str | None:
    """Why the llama.cpp backend cannot run here (None when it can)."""
    import importlib.util

    from writer_app.host.backends import available_backends

    if importlib.util.find_spec("writer_app.host.llamacpp_backend") is None:
        return "the llama.cpp backend is not part of this tree yet"
    return available_backends()["llama.cpp"]


LLAMA_CPP = pytest.param("llama.cpp", marks=pytest.mark.skipif(
    _llama_cpp_cannot_run() is not None, reason=str(_llama_cpp_cannot_run())))
BACKENDS = ["transformers", LLAMA_CPP]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("prompt", ["我们去北京旅行，", "The old lighthouse keeper"])
def test_generate_is_deterministic_for_a_seed_on_each_backend(backend, prompt):
    args = ("generate", "--backend", backend, "--seed", "7", "--max-new-tokens", "24", prompt)
    first, second = writer_app(*args), writer_app(*args)
    assert first.returncode == 0, first.stderr
    assert first.stdout == second.stdout and first.stdout.strip()
    assert "\ufffd" not in first.stdout and first.stderr == ""
    other = writer_app("generate", "--backend", backend, "--seed", "8", "--max-new-tokens",
                       "24", prompt)
    assert other.returncode == 0 and other.stdout != first.stdout


def test_next_tokens_json_has_one_shape_on_every_backend():
    """The same keys on transformers and llama.cpp, plus the backend's name; the same
    vocabulary (ids and texts) and close probabilities (int8 weights vs Q4_K_M)."""
    if (why := _llama_cpp_cannot_run()) is not None:
        pytest.skip(why)
    prompt = "I went on a trip to"
    payloads = {}
    for backend in ("transformers", "llama.cpp"):
        result = writer_app("next-tokens", "--backend", backend, "--json", "--top", "10",
                            prompt)
        assert result.returncode == 0, result.stderr
        payloads[backend] = json.loads(result.stdout)
    for backend, payload in payloads.items():
        assert set(payload) == JSON_KEYS and payload["backend"] == backend
        assert payload["approximate"] is False and payload["device"] == "cpu"
        assert "Gemma 3 270M" in payload["model"]
        tokens = payload["tokens"]
        assert len(tokens) == 10 and all(set(t) == TOKEN_KEYS for t in tokens)
        probs = [t["prob"] for t in tokens]
        assert probs == sorted(probs, reverse=True) and 0 < sum(probs) <= 1 + 1e-5
    ours, theirs = ({t["id"]: t for t in payloads[name]["tokens"]}
                    for name in ("transformers", "llama.cpp"))
    assert payloads["transformers"]["tokens"][0]["id"] == payloads["llama.cpp"]["tokens"][0]["id"]
    shared = ours.keys() & theirs.keys()
    assert len(shared) >= 7
    for token_id in shared:
        assert ours[token_id]["text"] == theirs[token_id]["text"]
        assert ours[token_id]["prob"] == pytest.approx(theirs[token_id]["prob"], abs=0.03)
        assert ours[token_id]["sampled_prob"] == pytest.approx(theirs[token_id]["sampled_prob"],
                                                               abs=0.05)


def test_auto_runs_the_default_model_on_llama_cpp_when_it_can():
    result = writer_app("next-tokens", "--json", "--top", "1", "Hello")
    assert result.returncode == 0, result.stderr
    expected = "transformers" if _llama_cpp_cannot_run() else "llama.cpp"
    assert json.loads(result.stdout)["backend"] == expected


def _run_until_output(*args: str) -> tuple[subprocess.Popen, bytes]:
    """A generate command started, once it has written its first 16 bytes."""
    process = subprocess.Popen([sys.executable, "-m", "writer_app", *args],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               env={**os.environ, "HF_HUB_OFFLINE": "1"})
    assert process.stdout is not None
    first = process.stdout.read(16)
    return process, first


def test_ctrl_c_stops_generation_and_keeps_the_text_so_far():
    process, first = _run_until_output("generate", "--max-new-tokens", "4000",
                                       "--temperature", "1.5", "Once upon a time")
    try:
        assert first, process.stderr.read() if process.stderr else ""
        process.send_signal(signal.SIGINT)
        rest, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 130, err  # stopped, long before 4,000 tokens
    text = (first + rest).decode("utf-8")  # whole characters: the stop splits none
    assert len(text.strip()) >= 8
    assert err == b""


def test_a_closed_pipe_ends_generation_quietly():
    process, first = _run_until_output("generate", "--max-new-tokens", "4000",
                                       "--temperature", "1.5", "Once upon a time")
    assert first and process.stdout is not None
    process.stdout.close()  # as `writer-app generate … | head -c 1` does
    try:
        _, err = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, err
    assert err == b""


def test_generate_greedy_and_beam_from_stdin():
    greedy = writer_app("generate", "--greedy", "--max-new-tokens", "12", "-",
                        stdin="The capital of France is")
    assert greedy.returncode == 0 and greedy.stdout.strip(), greedy.stderr
    beam = writer_app("generate", "--num-beams", "3", "--max-new-tokens", "12",
                      "The capital of France is")
    assert beam.returncode == 0 and beam.stdout.strip(), beam.stderr


def test_models_lists_the_default_first_then_every_backend():
    from writer_app.host.backends import available_backends

    result = writer_app("models")
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert lines[0].split()[:2] == ["default", "default"]
    backends = {line.split()[1]: line for line in lines if line.split()[0] == "backend"}
    for name, missing in available_backends().items():
        assert ("cannot run here" in backends[name]) == (missing is not None), backends[name]
        if missing is not None:
            assert missing in backends[name]


@pytest.mark.parametrize(("args", "fragment"), [
    (("generate", "--temperature", "-1", "x"), "temperature"),
    (("generate", "--top-p", "0", "x"), "top_p"),
    (("generate", "--top-k", "-5", "x"), "top_k"),
    (("generate", "--repetition-penalty", "nan", "x"), "repetition_penalty"),
    (("generate", "--max-new-tokens", "0", "x"), "max_new_tokens"),
    (("generate", "--num-beams", "0", "x"), "num-beams"),
    (("generate", "--greedy", "--num-beams", "3", "x"), "exclude"),
    (("next-tokens", "--top", "0", "x"), "--top"),
    (("next-tokens", "--bogus", "x"), "unrecognized"),
    (("generate", "--device", "tpu", "x"), "invalid choice"),
    (("generate", "--temperature", "warm", "x"), "invalid float"),
    (("generate",), "required"),
])
def test_bad_usage_exits_2_with_one_line(args, fragment):
    assert_one_line_failure(writer_app(*args), 2, fragment)


def test_cuda_on_a_machine_without_it_says_what_to_do():
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    result = writer_app("generate", "--device", "cuda", "x")
    assert result.returncode in (1, 2)
    assert_one_line_failure(result, result.returncode, "CUDA")


def test_missing_model_path(tmp_path):
    assert_one_line_failure(
        writer_app("generate", "--model", str(tmp_path / "nowhere"), "x"), 1, "nowhere")


def test_folder_without_config(tmp_path):
    (tmp_path / "readme.txt").write_text("not a model")
    assert_one_line_failure(writer_app("generate", "--model", str(tmp_path), "x"), 1,
                            "config.json")


def test_corrupt_gguf(tmp_path):
    bad = tmp_path / "broken.gguf"
    bad.write_bytes(os.urandom(4096))
    assert_one_line_failure(writer_app("next-tokens", "--model", str(bad), "x"), 1,
                            "broken.gguf")


def test_not_a_causal_lm(tmp_path):
    from transformers import BertConfig

    BertConfig(vocab_size=50, hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
               intermediate_size=32).save_pretrained(tmp_path)
    assert_one_line_failure(writer_app("generate", "--model", str(tmp_path), "x"), 1, "bert")


def test_hub_id_not_in_the_offline_cache(tmp_path):
    result = writer_app("generate", "--model", "someone/no-such-model", "x",
                        env={"HF_HOME": str(tmp_path)})
    assert_one_line_failure(result, 1, "someone/no-such-model")


def test_stdin_that_is_not_utf8_is_refused():
    result = subprocess.run([sys.executable, "-m", "writer_app", "generate", "-"],
                            input=b"\xff\xfe\xfa bad", capture_output=True, timeout=120,
                            check=False)
    assert result.returncode == 1
    assert b"UTF-8" in result.stderr and b"Traceback" not in result.stderr


def test_a_huge_prompt_is_cut_to_the_context_before_tokenizing_and_said_so(tiny_model_dir):
    """200 KB on stdin once took 93 s for 8 tokens with nothing said: the prompt is cut to
    what the model's context can hold (512 tokens here: at most 8,192 characters)."""
    words = " ".join(f"word{i}" for i in range(30_000))  # ~200,000 characters
    assert len(words) > 200_000
    result = writer_app("generate", "--model", str(tiny_model_dir), "--greedy",
                        "--max-new-tokens", "8", "-", stdin=words)
    assert result.returncode == 0, result.stderr
    assert ("prompt cut to the last 8,192 characters to fit the model's context"
            in result.stderr), result.stderr
    assert result.stdout  # the continuation came
    short = writer_app("generate", "--model", str(tiny_model_dir), "--greedy",
                       "--max-new-tokens", "8", "-", stdin=words[-2000:])
    assert short.returncode == 0 and "prompt cut" not in short.stderr


def test_a_context_limit_out_of_range_exits_2_with_one_line():
    assert_one_line_failure(writer_app("generate", "--context-limit", "5", "x"), 2,
                            "--context-limit")


def test_control_tokens_are_suppressed_unless_asked_for():
    from writer_app.__main__ import build_parser, params_from_args

    plain = params_from_args(build_parser().parse_args(["generate", "x"]))
    allowed = params_from_args(build_parser().parse_args(
        ["generate", "--allow-control-tokens", "x"]))
    assert not plain.allow_control_tokens and allowed.allow_control_tokens
