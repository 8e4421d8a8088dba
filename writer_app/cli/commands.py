"""The subcommands: generate, next-tokens, models, and starting the window.

Each turns parsed arguments into requests for a `CommandLineEngine` and prints the
answers: the continuation streamed to stdout, the next tokens as a table or one JSON
object (the same shape on every backend, plus "backend"), the models and backends.
"""

from __future__ import annotations

import argparse
import contextlib
import inspect
import json
import os
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING

from writer_app.boundary.backend import Feature
from writer_app.boundary.messages import LoadRequest, ModelInfo
from writer_app.boundary.params import Mode, SamplingParams
from writer_app.boundary.results import Step
from writer_app.cli.connection import clear_text_warning, server_from_args
from writer_app.cli.engine import (
    CommandLineEngine,
    EngineFailure,
    for_the_command_line,
    stopping_on_interrupt,
)
from writer_app.cli.parsing import (
    AUTO,
    EXIT_INTERRUPTED,
    EXIT_OK,
    context_limit_from_args,
    params_from_args,
)
from writer_app.errors import InvalidSettingError, WriterError
from writer_app.host.backends import TRANSFORMERS

if TYPE_CHECKING:
    from writer_app.boundary.server import ServerConnection

# Settings a backend may lack, by the feature that carries them: (is it in use, its flag).
_OPTIONAL_FEATURES = (
    (Feature.SEED, lambda p: p.seed is not None, "--seed"),
    (Feature.TOP_K, lambda p: p.top_k != SamplingParams().top_k, "--top-k"),
    (Feature.REPETITION_PENALTY,
     lambda p: p.repetition_penalty != SamplingParams().repetition_penalty,
     "--repetition-penalty"),
)


def run_generate(args: argparse.Namespace) -> int:
    params = params_from_args(args)
    prompt = read_prompt(args.prompt)
    with opened_engine(args, params) as (engine, info):
        check_capabilities(info, params, needs_next_tokens=False)
        out = sys.stdout
        written: list[str] = []
        pipe_closed = False

        def show(step: Step) -> None:
            nonlocal pipe_closed
            try:
                out.write(step.text)
                out.flush()
            except BrokenPipeError:  # `writer-app generate … | head`: stop, quietly
                pipe_closed = True
                _silence_stdout()
                engine.stop.set()
                return
            written.append(step.text)

        summary = engine.generate(cut_to_context(prompt, info.context_window), params, show)
        if pipe_closed:
            return EXIT_OK
        if out.isatty() and not "".join(written).endswith("\n"):
            out.write("\n")
            out.flush()
        if sys.stderr.isatty():
            seed = "" if summary.seed is None else f", seed {summary.seed}"
            print(f"[{summary.tokens} tokens, {summary.tokens_per_second:.1f} tokens/s{seed}, "
                  f"stopped: {summary.stop_reason}]", file=sys.stderr)
        return EXIT_INTERRUPTED if engine.stop.is_set() else EXIT_OK


def run_next_tokens(args: argparse.Namespace) -> int:
    if not 1 <= args.top <= 1000:
        raise InvalidSettingError(f"--top must be between 1 and 1000, not {args.top}",
                                  "e.g. --top 10")
    params = params_from_args(args)
    prompt = read_prompt(args.prompt)
    with opened_engine(args, params) as (engine, info):
        check_capabilities(info, params, needs_next_tokens=True)
        result = engine.next_tokens(cut_to_context(prompt, info.context_window), params,
                                    args.top)
    if args.json:
        payload = {
            "model": info.name,
            "device": info.device,
            "backend": info.backend,
            # True where the sampled column was estimated from a server's top tokens.
            "approximate": result.approximate,
            "tokens": [{"id": t.id, "text": t.text, "prob": t.prob,
                        "sampled_prob": t.sampled_prob} for t in result.tokens],
        }
        print(json.dumps(payload, ensure_ascii=False))
        return EXIT_OK
    print(f"{'#':>3}  {'prob':>8}  {'sampled':>8}  {'id':>7}  token")
    for rank, token in enumerate(result.tokens, start=1):
        print(f"{rank:>3}  {token.prob:8.4f}  {token.sampled_prob:8.4f}  {token.id:>7}  "
              f"{json.dumps(token.text, ensure_ascii=False)}")
    if result.approximate:
        print(f"(sampled: estimated from the top tokens the {info.backend} backend sent)",
              file=sys.stderr)
    context = result.context
    if context.dropped:
        about = "about " if context.approximate else ""
        print(f"(context: {about}{context.used} tokens used, {context.dropped} dropped "
              f"to fit the {context.window}-token window)", file=sys.stderr)
    return EXIT_OK


def run_models(args: argparse.Namespace) -> int:
    """The models to choose from, then each backend and whether it runs here (and why not)."""
    from writer_app.engine.models import list_models
    from writer_app.host.backends import SERVER, available_backends

    for entry in list_models():
        detail = f"  ({entry.detail})" if entry.detail else ""
        print(f"{entry.kind:<10} {entry.spec}{detail}")
    for name, missing in available_backends().items():
        if missing is not None:
            state = f"cannot run here: {missing}"
        elif name == SERVER:
            state = "available: --server URL"
        else:
            state = f"runs here: --backend {name}"
        print(f"{'backend':<10} {name}  ({state})")
    return EXIT_OK


def run_gui(args: argparse.Namespace) -> int:
    """The window (or its self-test), with the backend or server when one was named."""
    server = server_from_args(args)
    choices = {"backend": args.backend, "server": server}
    if args.self_test:
        from writer_app.selftest import run_self_test

        return run_self_test(model=args.model or "default", device=args.device or "auto",
                             dtype=args.dtype or "auto",
                             **_given(run_self_test, choices, "with --self-test"))
    try:
        from writer_app.app import run_gui as start_window
    except ImportError as error:
        raise WriterError(f"the window cannot start: {error}",
                          "use the generate and next-tokens commands meanwhile") from error
    if server is not None:
        _warn(clear_text_warning(server))
    return start_window(args.path, model=args.model, device=args.device, dtype=args.dtype,
                        **_given(start_window, choices, "by this build's window"))


def _given(function: object, choices: dict[str, object], where: str) -> dict[str, object]:
    """The choices the user made, as keyword arguments; a usage error where `function`
    has no parameter for one (this build cannot honour it)."""
    given = {name: value for name, value in choices.items() if value is not None}
    accepted = inspect.signature(function).parameters  # type: ignore[arg-type]
    for name in given:
        if name not in accepted:
            flag = "--server" if name == "server" else f"--{name}"
            raise InvalidSettingError(f"{flag} is not supported {where}",
                                      f"leave out {flag}")
    return given


@contextlib.contextmanager
def opened_engine(args: argparse.Namespace,
                  params: SamplingParams) -> Iterator[tuple[CommandLineEngine, ModelInfo]]:
    """The model the arguments name, loaded (with progress on a terminal) on the backend
    they choose; Ctrl+C stops the load or the request, and the model is closed after."""
    context_limit = context_limit_from_args(args)
    server = server_from_args(args)
    engine = CommandLineEngine(context_limit, show_progress=sys.stderr.isatty())
    with stopping_on_interrupt(engine.stop):
        try:
            info = _load(engine, load_request(args, server, params), args)
            if server is None:
                from writer_app.engine.models import remember_recent

                remember_recent(args.model)
            else:  # said once it answers, before any text is sent: a server that cannot
                _warn(clear_text_warning(server))  # be reached fails in one line
            if info.backend_note and sys.stderr.isatty():
                _warn(f"writer-app: note: {info.backend_note}")
            yield engine, info
        finally:
            engine.close()


def _load(engine: CommandLineEngine, request: LoadRequest, args: argparse.Namespace) -> ModelInfo:
    """The load, with a refused key explained in terms of --api-key-env."""
    try:
        return engine.load(request)
    except EngineFailure as error:
        if request.server is None or "API key" not in error.message:
            raise
        variable = args.api_key_env
        hint = (f"check the key in {variable} (the variable --api-key-env names)" if variable
                else "this server wants an API key: put it in an environment variable and "
                     "name that with --api-key-env VAR")
        raise WriterError(error.message, hint) from error


def load_request(args: argparse.Namespace, server: ServerConnection | None,
                 params: SamplingParams) -> LoadRequest:
    """What to load: the local model on the chosen backend, or the server's model.

    "auto" picks the fastest backend; beam search runs on transformers only, so a
    command that asks for beams gets transformers from "auto" (as before llama.cpp).
    """
    if server is not None:
        return LoadRequest(server.model or server.url, server=server)
    backend = args.backend
    if backend == AUTO and params.mode is Mode.BEAM:
        backend = TRANSFORMERS
    return LoadRequest(args.model, device=args.device, dtype=args.dtype, backend=backend)


def check_capabilities(info: ModelInfo, params: SamplingParams, needs_next_tokens: bool) -> None:
    """Fail where the backend cannot do what was asked; warn where it ignores a setting."""
    capabilities = info.capabilities
    needed = []
    if needs_next_tokens:
        needed.append((Feature.NEXT_TOKENS, "list the next tokens", "use generate instead"))
    if params.mode is Mode.BEAM:
        needed.append((Feature.BEAM_SEARCH, "search with beams",
                       "leave out --num-beams" + ("" if info.backend == "server" else
                                                  ", or add --backend transformers")))
    for feature, doing, hint in needed:
        if not capabilities.supports(feature):
            raise WriterError(f"the {info.backend} backend cannot {doing}: "
                              f"{for_the_command_line(capabilities.reason(feature))}", hint)
    for feature, used, flag in _OPTIONAL_FEATURES:
        if used(params) and not capabilities.supports(feature):
            _warn(f"writer-app: warning: {flag} is ignored by the {info.backend} backend: "
                  f"{for_the_command_line(capabilities.reason(feature))}")


def read_prompt(prompt: str) -> str:
    """PROMPT, or standard input for "-" (which must be UTF-8)."""
    if prompt != "-":
        return prompt
    data = sys.stdin.buffer.read()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise WriterError("standard input is not UTF-8 text",
                          "convert it to UTF-8 first (e.g. with iconv)") from error


def cut_to_context(prompt: str, context_window: int) -> str:
    """The prompt's end that the context can hold, cut before any tokenizer sees it.

    A 200 KB prompt otherwise is tokenized whole and its longest fitting tail read,
    minutes of silence on a CPU. The bound in characters is generous (no token is that
    long); the backend then fits the tail by tokens.
    """
    from writer_app.engine.context import characters_for

    keep = characters_for(context_window)
    if len(prompt) <= keep:
        return prompt
    print(f"writer-app: prompt cut to the last {keep:,} characters to fit the model's context",
          file=sys.stderr, flush=True)
    return prompt[-keep:]


def _warn(line: str | None) -> None:
    if line:
        print(line, file=sys.stderr, flush=True)


def _silence_stdout() -> None:
    """After a closed pipe, send what is left to /dev/null, so that flushing stdout at
    exit does not complain (Python's documented way)."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
