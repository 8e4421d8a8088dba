"""The command-line contract, run as a user runs it: a subprocess per call."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from writer_app import __version__

from .test_default_model import STEERED, reference

pytestmark = pytest.mark.integration


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
    result = writer_app("next-tokens", "--dtype", "float32",  # the reference's precision
                        "--json", "--top", "15", "--temperature", "0.7",
                        "--top-k", "20", "--top-p", "0.9", "--repetition-penalty", "1.3",
                        prompt)
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    assert set(payload) == {"model", "device", "tokens"}
    assert payload["device"] == "cpu" and "Gemma 3 270M" in payload["model"]
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
    raw_only = json.loads(writer_app("next-tokens", "--dtype", "float32", "--json", "--top",
                                     "5", "--temperature",
                                     "1", "--top-k", "0", "--top-p", "1",
                                     "--repetition-penalty", "1", prompt).stdout)
    for token in raw_only["tokens"]:
        assert token["sampled_prob"] == pytest.approx(token["prob"], rel=1e-5)


def test_next_tokens_table_reads_stdin():
    result = writer_app("next-tokens", "--top", "3", "-", stdin="我们去北京旅行，")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 4 and "prob" in lines[0]


def test_generate_is_deterministic_for_a_seed_and_streams_chinese():
    args = ("generate", "--seed", "7", "--max-new-tokens", "24", "我们去北京旅行，")
    first, second = writer_app(*args), writer_app(*args)
    assert first.returncode == 0, first.stderr
    assert first.stdout == second.stdout and first.stdout.strip()
    assert "\ufffd" not in first.stdout
    other = writer_app("generate", "--seed", "8", "--max-new-tokens", "24", "我们去北京旅行，")
    assert other.stdout != first.stdout


def test_generate_greedy_and_beam_from_stdin():
    greedy = writer_app("generate", "--greedy", "--max-new-tokens", "12", "-",
                        stdin="The capital of France is")
    assert greedy.returncode == 0 and greedy.stdout.strip(), greedy.stderr
    beam = writer_app("generate", "--num-beams", "3", "--max-new-tokens", "12",
                      "The capital of France is")
    assert beam.returncode == 0 and beam.stdout.strip(), beam.stderr


def test_models_lists_the_default_first():
    result = writer_app("models")
    assert result.returncode == 0
    assert result.stdout.splitlines()[0].split()[:2] == ["default", "default"]


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
