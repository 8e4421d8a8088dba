"""The command line against a real llama.cpp server on 127.0.0.1: `--server URL`, run as a
user runs it (a subprocess per call)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.remote.conftest import RunningServer, free_port

JSON_KEYS = {"model", "device", "backend", "approximate", "tokens"}
TOKEN_KEYS = {"id", "text", "prob", "sampled_prob"}
KEY = "writer-test-key-4f9a1c"


def writer_app(*args: str, env: dict[str, str] | None = None,
               timeout: float = 300) -> subprocess.CompletedProcess:
    environment = {**os.environ, "HF_HUB_OFFLINE": "1", **(env or {})}
    return subprocess.run([sys.executable, "-m", "writer_app", *args], capture_output=True,
                          text=True, encoding="utf-8", env=environment, timeout=timeout,
                          check=False)


def one_line(result: subprocess.CompletedProcess) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    return lines[0]


def test_next_tokens_json_has_the_shape_of_every_backend(llama_server: RunningServer):
    prompt = "I went on a trip to"
    result = writer_app("next-tokens", "--server", llama_server.url, "--server-model",
                        llama_server.model, "--json", "--top", "5", prompt)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""  # loopback: no warning
    payload = json.loads(result.stdout)
    assert set(payload) == JSON_KEYS
    assert payload["backend"] == "server" and payload["model"] == llama_server.model
    assert isinstance(payload["approximate"], bool)
    tokens = payload["tokens"]
    assert len(tokens) == 5 and all(set(t) == TOKEN_KEYS for t in tokens)
    probs = [t["prob"] for t in tokens]
    assert probs == sorted(probs, reverse=True) and 0 < sum(probs) <= 1 + 1e-5
    assert tokens[0]["text"] == " the"
    # The same file in this process (llama.cpp) gives the same candidates and figures.
    local = writer_app("next-tokens", "--backend", "llama.cpp", "--json", "--top", "5", prompt)
    if local.returncode == 0:
        here = json.loads(local.stdout)["tokens"]
        assert [t["text"] for t in here] == [t["text"] for t in tokens]
        for ours, theirs in zip(here, tokens, strict=True):
            assert theirs["prob"] == pytest.approx(ours["prob"], abs=2e-3)


def test_next_tokens_table_in_chinese(llama_server: RunningServer):
    result = writer_app("next-tokens", "--server", llama_server.url, "--top", "5",
                        "我们去北京旅行，")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 6 and "prob" in lines[0]
    texts = [json.loads(line.split(maxsplit=4)[4]) for line in lines[1:]]
    assert all(text and "\ufffd" not in text for text in texts)


@pytest.mark.parametrize("prompt", ["我们去北京旅行，", "The old lighthouse keeper"])
def test_generate_streams_from_the_server_reproducibly_for_a_seed(llama_server, prompt):
    """The seed reaches the server. The first run reads the prompt whole; later ones find
    it in the server's prompt cache, whose logits differ in the last bits from a whole
    read (llama.cpp's batch vs one-token evaluation): so runs are compared after it."""
    args = ("generate", "--server", llama_server.url, "--max-new-tokens", "24", prompt)
    first = writer_app(*args, "--seed", "7")
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip() and "\ufffd" not in first.stdout and first.stderr == ""
    again, once_more = (writer_app(*args, "--seed", "7") for _ in range(2))
    assert again.stdout == once_more.stdout and again.stdout.strip()
    other = writer_app(*args, "--seed", "8")
    assert other.returncode == 0 and other.stdout != again.stdout


def test_a_dead_port_exits_1_with_one_line_naming_the_url():
    url = f"http://127.0.0.1:{free_port()}/v1"
    for command in ("generate", "next-tokens"):
        result = writer_app(command, "--server", url, "hello")
        assert result.returncode == 1 and result.stdout == ""
        assert url in one_line(result)


def test_the_key_comes_from_the_variable_and_a_wrong_one_fails_in_one_line(fresh_server):
    server = fresh_server(api_key=KEY)
    base = ("next-tokens", "--server", server.url, "--json", "--top", "3")
    right = writer_app(*base, "--api-key-env", "WRITER_TEST_KEY", "Hello",
                       env={"WRITER_TEST_KEY": KEY})
    assert right.returncode == 0, right.stderr
    assert json.loads(right.stdout)["backend"] == "server"
    wrong = writer_app(*base, "--api-key-env", "WRITER_TEST_KEY", "Hello",
                       env={"WRITER_TEST_KEY": "not-the-key-7e21"})
    assert wrong.returncode == 1 and wrong.stdout == ""
    line = one_line(wrong)
    assert server.url in line and "API key" in line and "WRITER_TEST_KEY" in line
    assert "not-the-key-7e21" not in line and KEY not in line
    missing = writer_app(*base, "Hello")
    assert missing.returncode == 1 and "--api-key-env" in one_line(missing)


def test_a_server_killed_mid_generation_keeps_the_text_and_fails_in_one_line(fresh_server):
    server = fresh_server()
    process = subprocess.Popen(
        [sys.executable, "-m", "writer_app", "generate", "--server", server.url,
         "--max-new-tokens", "400", "--temperature", "1.2", "Once upon a time"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ, "HF_HUB_OFFLINE": "1"})
    try:
        assert process.stdout is not None
        first = process.stdout.read(16)  # it is streaming
        server.kill()
        rest, err = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 1, err
    text = (first + rest).decode("utf-8")
    assert len(text) >= 16
    result = subprocess.CompletedProcess(process.args, 1, text, err.decode("utf-8"))
    assert server.url in one_line(result)
