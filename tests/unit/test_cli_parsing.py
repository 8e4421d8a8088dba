"""The command line's contract without a model: which parser, which defaults, which exit
code, how --backend and --server are read, and how a parsed command drives a backend
(the fake one, registered as a local backend or as "server", run in this process)."""

from __future__ import annotations

import io
import json
import signal
import string
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.unit import fake_backend
from writer_app.__main__ import EXIT_USAGE, _parser_for, main, params_from_args
from writer_app.boundary.server import ServerConnection
from writer_app.cli.connection import clear_text_warning, server_from_args
from writer_app.cli.parsing import KEY_FLAGS, UsageError, backend_choices, parse
from writer_app.errors import InvalidSettingError
from writer_app.host.backends import BACKENDS, BackendEntry

EXIT_FAILURE, EXIT_INTERRUPTED = 1, 130
FAKE_OPENER = "tests.unit.fake_backend:open_backend"
SECRET = "sk-test-0123456789abcdef"


def run(argv: list[str], capsys) -> tuple[int, str, str]:
    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


# ---- which parser, which defaults -------------------------------------------------------


def test_the_window_reopens_the_last_model_unless_told_otherwise():
    args = _parser_for([]).parse_args([])
    assert args.model is None and args.device is None and args.dtype is None
    assert args.backend is None and args.server is None
    args = _parser_for(["notes.md"]).parse_args(["--model", "x/y", "notes.md"])
    assert args.model == "x/y" and args.path == "notes.md"


def test_subcommands_default_to_the_built_in_model_on_the_auto_backend():
    args = _parser_for(["generate", "hi"]).parse_args(["generate", "hi"])
    assert args.model == "default" and args.device == "auto" and args.dtype == "auto"
    assert args.backend == "auto" and args.server is None
    assert params_from_args(args).temperature == 0.8


@pytest.mark.parametrize("argv", [["generate", "--top-p", "2", "x"], ["next-tokens"],
                                  ["--dtype", "int4"]])
def test_usage_errors_exit_2_before_loading_anything(argv, capsys):
    assert main(argv) == EXIT_USAGE
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


# ---- --backend --------------------------------------------------------------------------


def test_the_backends_by_name_are_exactly_the_contract():
    assert backend_choices() == ("auto", "transformers", "llama.cpp")


@pytest.mark.parametrize("prefix", [["generate"], ["next-tokens"], []])
@pytest.mark.parametrize("backend", ["auto", "transformers", "llama.cpp"])
def test_every_command_and_the_window_take_each_backend(prefix, backend):
    argv = [*prefix, "--backend", backend, "prompt"]
    assert parse(argv).backend == backend


@pytest.mark.parametrize("prefix", [["generate"], ["next-tokens"], []])
def test_an_unknown_backend_is_a_usage_error_listing_the_choices(prefix, capsys):
    code, _, err = run([*prefix, "--backend", "vllm", "x"], capsys)
    assert code == EXIT_USAGE
    line = one_line(err)
    assert "vllm" in line and "'transformers'" in line and "'llama.cpp'" in line


def test_the_server_backend_is_chosen_with_server_not_by_name(capsys):
    code, _, err = run(["generate", "--backend", "server", "x"], capsys)
    assert code == EXIT_USAGE and "invalid choice" in one_line(err)


# ---- --server, --server-model, --api-key-env ----------------------------------------------


def test_server_options_become_one_connection_with_the_key_from_the_environment():
    args = parse(["next-tokens", "--server", "127.0.0.1:8080/", "--server-model", "gemma",
                  "--api-key-env", "WRITER_KEY", "x"])
    server = server_from_args(args, {"WRITER_KEY": SECRET})
    assert server == ServerConnection("http://127.0.0.1:8080/v1", "gemma")
    assert server.api_key == SECRET
    assert SECRET not in repr(server)
    plain = server_from_args(parse(["generate", "--server", "https://h.example/v1/", "x"]), {})
    assert plain == ServerConnection("https://h.example/v1", "") and plain.api_key == ""
    assert server_from_args(parse(["generate", "x"]), {}) is None


def test_the_window_takes_the_server_options_too():
    args = parse(["--server", "http://localhost:9000", "notes.md"])
    assert server_from_args(args, {}) == ServerConnection("http://localhost:9000/v1")
    assert args.path == "notes.md"


@pytest.mark.parametrize(("argv", "fragment"), [
    (["generate", "--server", "http://127.0.0.1:8080/v1", "--backend", "transformers", "x"],
     "--backend transformers"),
    (["next-tokens", "--server", "http://127.0.0.1:8080/v1", "--backend", "llama.cpp", "x"],
     "--backend llama.cpp"),
    (["--server", "http://127.0.0.1:8080/v1", "--backend", "llama.cpp"], "--backend llama.cpp"),
    (["generate", "--server", "http://127.0.0.1:8080/v1", "--device", "cpu", "x"], "--device"),
    (["generate", "--server", "http://127.0.0.1:8080/v1", "--dtype", "int8", "x"], "--dtype"),
    (["generate", "--server", "http://127.0.0.1:8080/v1", "--model", "a/b", "x"],
     "--server-model"),
    (["generate", "--server-model", "gemma", "x"], "--server-model needs --server"),
    (["next-tokens", "--api-key-env", "KEY", "x"], "--api-key-env needs --server"),
    (["--api-key-env", "KEY"], "--api-key-env needs --server"),
    (["generate", "--server", "ftp://host/v1", "x"], "ftp://"),
    (["generate", "--server", "http://host:99999/v1", "x"], "port"),
    (["generate", "--server", "", "x"], "--server"),
    (["generate", "--server", "http://127.0.0.1:8080", "--api-key-env", "WRITER_TEST_UNSET",
      "x"], "WRITER_TEST_UNSET (from --api-key-env) is not set"),
    (["generate", "--server", "http://127.0.0.1:8080", "--api-key-env", "WRITER_TEST_EMPTY",
      "x"], "WRITER_TEST_EMPTY (from --api-key-env) is empty"),
])
def test_bad_server_usage_exits_2_with_one_line_before_anything_is_loaded(
        argv, fragment, capsys, monkeypatch):
    monkeypatch.delenv("WRITER_TEST_UNSET", raising=False)
    monkeypatch.setenv("WRITER_TEST_EMPTY", "  ")
    monkeypatch.setitem(BACKENDS, "server", BackendEntry("server", "no.such:module", (), ""))
    code, out, err = run(argv, capsys)
    assert code == EXIT_USAGE and out == ""
    assert fragment in one_line(err)


@pytest.mark.parametrize("flag", KEY_FLAGS)
@pytest.mark.parametrize("joined", [False, True])
def test_a_key_is_never_taken_on_the_command_line_nor_echoed(flag, joined, capsys):
    words = [f"{flag}={SECRET}"] if joined else [flag, SECRET]
    for argv in (["generate", "--server", "http://127.0.0.1:8080", *words, "x"],
                 ["--server", "http://127.0.0.1:8080", *words]):
        code, out, err = run(argv, capsys)
        assert code == EXIT_USAGE
        line = one_line(err)
        assert "--api-key-env" in line and flag in line
        assert SECRET not in out + err


@pytest.mark.parametrize("url", [f"http://user:{SECRET}@10.0.0.5:8080/v1",
                                 f"{SECRET}@127.0.0.1:8080", f"https://:{SECRET}@h.example"])
def test_a_server_address_holding_a_password_is_refused_unechoed(url, capsys):
    code, out, err = run(["generate", "--server", url, "x"], capsys)
    assert code == EXIT_USAGE
    assert "user name or password" in one_line(err) and SECRET not in out + err


def test_abbreviated_flags_are_refused_so_a_key_cannot_pass_for_a_variable(capsys):
    for argv in (["generate", "--server", "http://127.0.0.1:8080", "--api-key-e", "V", "x"],
                 ["generate", "--temp", "0.5", "x"]):
        code, _, err = run(argv, capsys)
        assert code == EXIT_USAGE and "unrecognized" in one_line(err)


def test_a_key_given_where_the_variable_belongs_is_not_echoed(capsys):
    code, out, err = run(["generate", "--server", "http://127.0.0.1:8080",
                          "--api-key-env", SECRET, "x"], capsys)
    assert code == EXIT_USAGE
    assert "name of an environment variable" in one_line(err)
    assert SECRET not in out + err


@settings(max_examples=200, derandomize=True, deadline=None)
@given(key=st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
                   min_size=1, max_size=80))
def test_any_key_in_the_variable_arrives_whole_and_stays_out_of_repr(key):
    args = parse(["generate", "--server", "http://127.0.0.1:8080", "--api-key-env",
                  "WRITER_KEY", "x"])
    if not key.strip():
        with pytest.raises(InvalidSettingError, match="WRITER_KEY"):
            server_from_args(args, {"WRITER_KEY": key})
        return
    server = server_from_args(args, {"WRITER_KEY": key})
    assert server is not None and server.api_key == key.strip()
    if len(key.strip()) >= 8:  # a short key could appear in the URL by chance
        assert key.strip() not in repr(server)


@settings(max_examples=200, derandomize=True, deadline=None)
@given(value=st.text(min_size=1, max_size=60).filter(
    lambda v: not v.startswith("-") and any(c not in string.ascii_letters + string.digits + "_"
                                            for c in v)))
def test_a_value_that_is_no_variable_name_is_never_repeated(value):
    args = parse(["generate", "--server", "http://127.0.0.1:8080", "--api-key-env", value,
                  "x"])
    with pytest.raises(InvalidSettingError) as raised:
        server_from_args(args, {value: "k"})
    # The same words whatever was given: nothing of the value (maybe a key) comes back.
    assert str(raised.value) == (
        "--api-key-env takes the name of an environment variable, not the key itself — "
        "e.g. export WRITER_API_KEY=… then --api-key-env WRITER_API_KEY")


@settings(max_examples=300, derandomize=True, deadline=None)
@given(url=st.one_of(
    st.text(max_size=40),
    st.builds(lambda scheme, host, port, path: f"{scheme}{host}{port}{path}",
              st.sampled_from(["", "http://", "https://", "ftp://", "HTTP://"]),
              st.sampled_from(["127.0.0.1", "localhost", "[::1]", "example.com", "", "a b"]),
              st.sampled_from(["", ":8080", ":0", ":65536", ":x"]),
              st.sampled_from(["", "/", "/v1", "/v1/", "/v1/completions", "/api"]))))
def test_any_server_text_is_a_usage_error_or_a_base_url(url):
    if url.startswith("-"):
        return  # a flag, not a value, to argparse
    try:
        args = parse(["generate", "--server", url, "x"])
    except UsageError:
        return
    try:
        server = server_from_args(args, {})
    except InvalidSettingError as error:
        assert "\n" not in error.message
        return
    assert server is not None
    assert server.url.startswith(("http://", "https://")) and server.url.endswith("/v1")


@pytest.mark.parametrize(("url", "warns"), [
    ("http://10.0.0.5:8080/v1", True), ("http://gpu.example.org/v1", True),
    ("https://gpu.example.org/v1", False), ("http://127.0.0.1:8080/v1", False),
    ("http://localhost:8080/v1", False), ("http://[::1]:8080/v1", False),
])
def test_plain_http_to_another_machine_warns_in_one_line(url, warns):
    server = server_from_args(parse(["generate", "--server", url, "x"]), {})
    assert server is not None
    warning = clear_text_warning(server)
    assert (warning is not None) == warns
    if warning:
        assert "\n" not in warning and server.url in warning and "unencrypted" in warning


# ---- a parsed command driving a backend (the fake one, in this process) ------------------


@pytest.fixture
def fake(monkeypatch, writer_home):
    """The fake backend as "server" and as a local backend named "fake"; its options."""
    monkeypatch.setitem(BACKENDS, "server", BackendEntry("server", FAKE_OPENER, (), ""))
    monkeypatch.setitem(BACKENDS, "fake", BackendEntry("fake", FAKE_OPENER, (), ""))
    options = dict(fake_backend.DEFAULTS)
    monkeypatch.setattr(fake_backend, "OPTIONS", options)
    monkeypatch.setattr(fake_backend, "OPENED", [])
    return options


def test_next_tokens_json_has_the_old_shape_plus_the_backend(fake, capsys, monkeypatch):
    monkeypatch.setenv("WRITER_TEST_KEY", SECRET)
    fake.update(name="server", approximate=True)
    code, out, err = run(["next-tokens", "--server", "http://10.0.0.5:8080",
                          "--server-model", "gemma", "--api-key-env", "WRITER_TEST_KEY",
                          "--json", "--top", "3", "Once"], capsys)
    assert code == 0, err
    payload = json.loads(out)
    assert list(payload) == ["model", "device", "backend", "approximate", "tokens"]
    assert payload["backend"] == "server" and payload["approximate"] is True
    assert [set(t) for t in payload["tokens"]] == [{"id", "text", "prob", "sampled_prob"}] * 3
    assert [t["text"] for t in payload["tokens"]] == list(fake_backend.WORDS[:3])
    assert "unencrypted" in one_line(err) and SECRET not in err  # the one warning line
    request = fake_backend.OPENED[0]
    assert request.server == ServerConnection("http://10.0.0.5:8080/v1", "gemma")
    assert request.server.api_key == SECRET
    assert request.spec == "gemma"


def test_a_local_backend_is_loaded_with_the_model_device_and_precision_named(fake, capsys):
    code, out, err = run(["next-tokens", "--backend", "fake", "--model", "m.gguf",
                          "--dtype", "int8", "--top", "2", "Once"], capsys)
    assert code == 0, err
    request = fake_backend.OPENED[0]
    assert (request.spec, request.backend, request.dtype, request.server) == (
        "m.gguf", "fake", "int8", None)
    assert out.splitlines()[0].split() == ["#", "prob", "sampled", "id", "token"]
    assert len(out.splitlines()) == 3 and err == ""


def test_generate_streams_every_step_to_stdout(fake, capsys):
    code, out, err = run(["generate", "--backend", "fake", "Once"], capsys)
    assert code == 0, err
    assert out == "".join(fake_backend.WORDS) and err == ""


def test_a_setting_the_backend_ignores_is_said_and_beams_it_lacks_fail(fake, capsys):
    code, out, err = run(["generate", "--backend", "fake", "--seed", "5", "Once"], capsys)
    assert code == 0 and out == "".join(fake_backend.WORDS)
    assert "--seed is ignored by the fake backend" in one_line(err)
    code, out, err = run(["generate", "--backend", "fake", "--num-beams", "3", "Once"], capsys)
    assert code == EXIT_FAILURE and out == ""
    assert "cannot search with beams" in one_line(err)


def test_a_failure_mid_stream_keeps_the_text_and_says_one_line(fake, capsys):
    fake.update(fail_after=2)
    code, out, err = run(["generate", "--backend", "fake", "Once"], capsys)
    assert code == EXIT_FAILURE
    assert out == "".join(fake_backend.WORDS[:2])
    assert "stopped answering" in one_line(err)


class _Stdout(io.StringIO):
    """stdout that does something when a given word is written."""

    def __init__(self, word: str, action) -> None:
        super().__init__()
        self.word, self.action = word, action

    def write(self, text: str) -> int:
        if text == self.word:
            self.action()
        return super().write(text)


def _interrupt() -> None:
    signal.raise_signal(signal.SIGINT)


def _close_the_pipe() -> None:
    raise BrokenPipeError(32, "Broken pipe")


def test_ctrl_c_stops_generation_at_the_next_token_keeping_the_text(fake, capsys, monkeypatch):
    stdout = _Stdout(fake_backend.WORDS[1], _interrupt)
    monkeypatch.setattr(sys, "stdout", stdout)
    before = signal.getsignal(signal.SIGINT)
    assert main(["generate", "--backend", "fake", "Once"]) == EXIT_INTERRUPTED
    assert stdout.getvalue() == "".join(fake_backend.WORDS[:2])
    assert signal.getsignal(signal.SIGINT) is before  # Ctrl+C means Ctrl+C again after
    assert "Traceback" not in capsys.readouterr().err


def test_a_closed_pipe_ends_generation_quietly(fake, capsys, monkeypatch):
    stdout = _Stdout(fake_backend.WORDS[1], _close_the_pipe)
    monkeypatch.setattr(sys, "stdout", stdout)
    assert main(["generate", "--backend", "fake", "Once"]) == 0
    assert stdout.getvalue() == fake_backend.WORDS[0]  # nothing written after the close
    assert capsys.readouterr().err == ""


def test_models_lists_each_backend_and_why_one_cannot_run(fake, capsys, monkeypatch):
    monkeypatch.setitem(BACKENDS, "llama.cpp", BackendEntry(
        "llama.cpp", "x:y", ("writer_no_such_module",), "install it with: pip install x"))
    code, out, _ = run(["models"], capsys)
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split()[:2] == ["default", "default"]
    backends = {line.split()[1]: line for line in lines if line.startswith("backend ")}
    assert set(backends) == set(BACKENDS)
    assert "runs here: --backend transformers" in backends["transformers"]
    assert ("cannot run here: writer_no_such_module is not installed; install it with: pip "
            "install x") in backends["llama.cpp"]
    assert "--server URL" in backends["server"]


def test_the_window_gets_the_backend_and_server_only_when_given(monkeypatch, capsys):
    import writer_app.app

    calls: list[dict] = []

    def window(path=None, model=None, device=None, dtype=None, worker=None, backend=None,
               server=None):
        calls.append({"path": path, "model": model, "backend": backend, "server": server})
        return 0

    def old_window(path=None, model=None, device=None, dtype=None, worker=None):
        calls.append({"path": path})
        return 0

    monkeypatch.setenv("WRITER_TEST_KEY", SECRET)
    monkeypatch.setattr(writer_app.app, "run_gui", window)
    assert main(["notes.md"]) == 0
    assert main(["--backend", "llama.cpp", "notes.md"]) == 0
    assert main(["--server", "127.0.0.1:8080", "--api-key-env", "WRITER_TEST_KEY"]) == 0
    assert calls[0] == {"path": "notes.md", "model": None, "backend": None, "server": None}
    assert calls[1]["backend"] == "llama.cpp" and calls[1]["server"] is None
    assert calls[2]["server"] == ServerConnection("http://127.0.0.1:8080/v1")
    assert calls[2]["server"].api_key == SECRET
    monkeypatch.setattr(writer_app.app, "run_gui", old_window)
    assert main(["notes.md"]) == 0 and calls[-1] == {"path": "notes.md"}
    code, _, err = run(["--backend", "llama.cpp"], capsys)
    assert code == EXIT_USAGE and "--backend is not supported" in one_line(err)


def open_broken_backend(request, context):
    """A backend whose opening hits a bug (not a WriterError)."""
    raise RuntimeError("boom: a bug while opening")


def test_a_bug_in_the_engine_is_one_line_and_its_traceback_shows_with_debug(fake, capsys,
                                                                            monkeypatch):
    monkeypatch.setitem(BACKENDS, "fake", BackendEntry(
        "fake", "tests.unit.test_cli_parsing:open_broken_backend", (), ""))
    code, out, err = run(["generate", "--backend", "fake", "Once"], capsys)
    assert code == EXIT_FAILURE and out == ""
    line = one_line(err)
    assert "boom: a bug while opening" in line and "--debug" in line
    code, _, err = run(["generate", "--debug", "--backend", "fake", "Once"], capsys)
    assert code == EXIT_FAILURE
    assert "Traceback" in err and "open_broken_backend" in err


@pytest.mark.parametrize(("hint", "expected"), [
    ("check the API key in Model → Connect to Server…", "check the API key"),
    ("it may be busy or slow: try again, or raise the timeout in Connect to Server",
     "it may be busy or slow: try again"),
    ("choose a smaller model or precision (Model → Choose Model…)",
     "choose a smaller model or precision"),
    ("beam search runs on the transformers backend only (Engine → transformers)",
     "beam search runs on the transformers backend only"),
    ("start it, or check the URL", "start it, or check the URL"),
])
def test_the_engines_hints_lose_the_windows_menu_paths(hint, expected):
    from writer_app.boundary.messages import Failure
    from writer_app.cli.engine import EngineFailure

    assert EngineFailure(Failure("It failed", hint)).hint == expected


@pytest.mark.parametrize(("argv", "backend"), [
    (["generate", "x"], "auto"),
    (["generate", "--num-beams", "3", "x"], "transformers"),  # beams run there only
    (["generate", "--backend", "llama.cpp", "--num-beams", "3", "x"], "llama.cpp"),
    (["next-tokens", "--backend", "llama.cpp", "x"], "llama.cpp"),
])
def test_auto_asks_for_transformers_only_when_beams_need_it(argv, backend):
    from writer_app.cli.commands import load_request

    args = parse(argv)
    request = load_request(args, None, params_from_args(args))
    assert request.backend == backend and request.server is None
