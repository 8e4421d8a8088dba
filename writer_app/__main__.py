"""The command line: the GUI by default, and headless subcommands for scripts and tests.

This is a contract other tools rely on: `writer-app [PATH]`, `writer-app generate`,
`writer-app next-tokens`, `writer-app models`, `writer-app --version`. Exit codes: 0 success,
2 bad usage or out-of-range values, 1 any runtime failure (one line on stderr, no
traceback unless --debug). torch is imported only once a command needs the model.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, NoReturn

from writer_app import __version__
from writer_app.boundary.params import DEVICE_CHOICES, DTYPE_CHOICES
from writer_app.engine.quiet import quiet_libraries
from writer_app.errors import InvalidSettingError, WriterError, first_line, is_out_of_memory

if TYPE_CHECKING:
    from writer_app.boundary.params import SamplingParams
    from writer_app.engine.session import ModelSession

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2
SUBCOMMANDS = ("generate", "next-tokens", "models")


class UsageError(Exception):
    """Bad command-line usage: exit code 2."""


class _Parser(argparse.ArgumentParser):
    """argparse, but errors raise instead of exiting, so main() owns every exit code."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message} (see {self.prog} --help)")


def _add_model_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("model")
    group.add_argument("--model", default="default",
                       help="'default' (Gemma 3 270M), a Hugging Face Hub id, a model folder "
                            "or a .gguf file")
    group.add_argument("--device", default="auto", choices=DEVICE_CHOICES,
                       help="where the model runs (auto: cuda, then mps, then cpu)")
    group.add_argument("--dtype", default="auto", choices=DTYPE_CHOICES,
                       help="weight precision (auto: bfloat16 on CUDA, float16 on MPS; on a "
                            "CPU int8 for GGUF models such as the default one, else "
                            "float32; int8: int8 weights with bfloat16 compute, about 3x "
                            "faster than float32 on a CPU)")


def _add_context_option(parser: argparse.ArgumentParser) -> None:
    from writer_app.settings import BY_NAME

    setting = BY_NAME["model.context_limit"]
    parser.add_argument("--context-limit", type=int, default=setting.default, metavar="TOKENS",
                        help=f"the most tokens of the prompt given to the model, as in the "
                             f"window (default {setting.default}; at most the model's own); "
                             f"a longer prompt keeps its end")


def _add_sampling_options(parser: argparse.ArgumentParser) -> None:
    from writer_app.boundary.params import BOUNDS, SamplingParams

    defaults = SamplingParams()

    def bounded(field: str, text: str) -> str:
        """The help text with its valid range, from the one table of bounds."""
        return f"{text} ({BOUNDS[field].describe()})"

    group = parser.add_argument_group("sampling")
    group.add_argument("--temperature", type=float, default=defaults.temperature,
                       help=bounded("temperature",
                                    "randomness; 0 = always the most likely token"))
    group.add_argument("--top-k", type=int, default=defaults.top_k,
                       help=bounded("top_k", "sample only from the k most likely tokens; 0 = off"))
    group.add_argument("--top-p", type=float, default=defaults.top_p,
                       help=bounded("top_p", "sample only from the most likely tokens holding "
                                             "this much probability; 1.0 = off"))
    group.add_argument("--repetition-penalty", type=float,
                       default=defaults.repetition_penalty,
                       help=bounded("repetition_penalty",
                                    "discourage tokens already in the text; 1.0 = none"))
    group.add_argument("--max-new-tokens", type=int, default=defaults.max_new_tokens,
                       help=bounded("max_new_tokens", "the most tokens to generate"))
    group.add_argument("--seed", type=int, default=None,
                       help=bounded("seed", "random seed: the same seed and settings give "
                                            "the same text"))
    group.add_argument("--greedy", action="store_true",
                       help="always choose the most likely token")
    group.add_argument("--num-beams", type=int, default=1,
                       help=f"beam search over this many hypotheses, "
                            f"{BOUNDS['num_beams'].describe()}; 1 = no beam search")
    group.add_argument("--allow-control-tokens", action="store_true",
                       help="let the model write control tokens that are not text, such as "
                            "<start_of_image> (never, by default)")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="writer-app",
                     description="Writer: write with a local language model at your side.",
                     epilog="Without a command, `writer-app [--model M] [--device D] "
                            "[--dtype T] [PATH]` opens the window.")
    parser.add_argument("--version", action="version", version=f"writer-app {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks of failures")
    commands = parser.add_subparsers(dest="command", parser_class=_Parser)

    generate = commands.add_parser("generate", help="stream a continuation of PROMPT to stdout")
    _add_model_options(generate)
    _add_context_option(generate)
    _add_sampling_options(generate)
    generate.add_argument("prompt", metavar="PROMPT", help="the text to continue; - reads stdin")

    next_tokens = commands.add_parser("next-tokens",
                                      help="the most likely next tokens after PROMPT")
    _add_model_options(next_tokens)
    _add_context_option(next_tokens)
    _add_sampling_options(next_tokens)
    next_tokens.add_argument("--top", type=int, default=10, metavar="N",
                             help="how many tokens to list (default 10)")
    next_tokens.add_argument("--json", action="store_true", help="print one JSON object")
    next_tokens.add_argument("prompt", metavar="PROMPT", help="the text; - reads stdin")

    commands.add_parser("models", help="list the default, cached and recent models")
    return parser


def build_gui_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="writer-app", description="Start Writer's window.")
    parser.add_argument("--version", action="version", version=f"writer-app {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks of failures")
    parser.add_argument("--self-test", action="store_true",
                        help="load the model, generate a few tokens offscreen, print versions "
                             "and device, and exit (0 when all is well)")
    _add_model_options(parser)
    # Without --model, the window reopens the model (and device, precision) used last.
    parser.set_defaults(model=None, device=None, dtype=None)
    parser.add_argument("path", nargs="?", metavar="PATH",
                        help="a text file to open (created on first save if missing)")
    return parser


def params_from_args(args: argparse.Namespace) -> SamplingParams:
    """Sampling options → validated SamplingParams (InvalidSettingError says what to fix)."""
    from writer_app.boundary.params import Mode, SamplingParams

    mode = Mode.SAMPLE
    if args.num_beams < 1:
        raise InvalidSettingError(f"--num-beams must be 1 or more, not {args.num_beams}",
                                  "use 2 or more for beam search")
    if args.num_beams > 1:
        if args.greedy:
            raise InvalidSettingError("--greedy and --num-beams exclude each other",
                                      "choose one of them")
        mode = Mode.BEAM
    elif args.greedy:
        mode = Mode.GREEDY
    return SamplingParams(temperature=args.temperature, top_k=args.top_k, top_p=args.top_p,
                          repetition_penalty=args.repetition_penalty,
                          max_new_tokens=args.max_new_tokens, seed=args.seed, mode=mode,
                          num_beams=max(args.num_beams, 2),
                          allow_control_tokens=getattr(args, "allow_control_tokens", False))


def _read_prompt(prompt: str) -> str:
    if prompt != "-":
        return prompt
    data = sys.stdin.buffer.read()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise WriterError("standard input is not UTF-8 text",
                          "convert it to UTF-8 first (e.g. with iconv)") from error


def _context_limit(args: argparse.Namespace) -> int:
    """--context-limit, checked against the same bounds as the window's setting."""
    from writer_app.settings import BY_NAME

    setting = BY_NAME["model.context_limit"]
    low, high = int(setting.minimum or 1), int(setting.maximum or args.context_limit)
    if not low <= args.context_limit <= high:
        raise InvalidSettingError(
            f"--context-limit must be between {low} and {high}, not {args.context_limit}",
            f"e.g. --context-limit {setting.default}")
    return int(args.context_limit)


def _cut_to_context(prompt: str, session: ModelSession) -> str:
    """The prompt's end that the context can hold, cut before the tokenizer sees it.

    A 200 KB prompt otherwise is tokenized whole and its longest fitting tail read,
    minutes of silence on a CPU. The bound in characters is generous (no token is that
    long); the session then fits the tail by tokens.
    """
    from writer_app.engine.context import characters_for

    keep = characters_for(session.context_limit)
    if len(prompt) <= keep:
        return prompt
    print(f"writer-app: prompt cut to the last {keep:,} characters to fit the model's context",
          file=sys.stderr, flush=True)
    return prompt[-keep:]


def _open_session(args: argparse.Namespace) -> ModelSession:
    from writer_app.engine.device import configure_cpu_threads
    from writer_app.engine.models import LoadProgress, load_model, remember_recent
    from writer_app.engine.session import ModelSession

    context_limit = _context_limit(args)
    quiet_libraries()
    configure_cpu_threads()
    show_progress = sys.stderr.isatty()

    def report(progress: LoadProgress) -> None:
        if show_progress:
            print(f"\r\033[K{progress.stage}…", end="", file=sys.stderr, flush=True)

    loaded = load_model(args.model, device=args.device, dtype=args.dtype, progress=report)
    if show_progress:
        print("\r\033[K", end="", file=sys.stderr, flush=True)
    remember_recent(args.model)
    return ModelSession(loaded, context_limit)


def run_generate(args: argparse.Namespace) -> int:
    params = params_from_args(args)
    prompt = _read_prompt(args.prompt)
    session = _open_session(args)
    generation = session.generate(_cut_to_context(prompt, session), params)
    out = sys.stdout
    text = ""
    for step in generation:
        out.write(step.text)
        out.flush()
        text += step.text
    if out.isatty() and not text.endswith("\n"):
        out.write("\n")
    stats = generation.stats
    if sys.stderr.isatty():
        print(f"[{stats.tokens} tokens, {stats.tokens_per_second:.1f} tokens/s, "
              f"seed {stats.seed}, stopped: {stats.stop_reason}]", file=sys.stderr)
    return EXIT_OK


def run_next_tokens(args: argparse.Namespace) -> int:
    if not 1 <= args.top <= 1000:
        raise InvalidSettingError(f"--top must be between 1 and 1000, not {args.top}",
                                  "e.g. --top 10")
    params = params_from_args(args)
    prompt = _read_prompt(args.prompt)
    session = _open_session(args)
    result = session.next_tokens(_cut_to_context(prompt, session), params, n=args.top)
    if args.json:
        payload = {
            "model": session.loaded.name,
            "device": str(session.device),
            "tokens": [{"id": t.id, "text": t.text, "prob": t.prob,
                        "sampled_prob": t.sampled_prob} for t in result.tokens],
        }
        print(json.dumps(payload, ensure_ascii=False))
        return EXIT_OK
    print(f"{'#':>3}  {'prob':>8}  {'sampled':>8}  {'id':>7}  token")
    for rank, token in enumerate(result.tokens, start=1):
        print(f"{rank:>3}  {token.prob:8.4f}  {token.sampled_prob:8.4f}  {token.id:>7}  "
              f"{json.dumps(token.text, ensure_ascii=False)}")
    if result.context.dropped:
        print(f"(context: {result.context.used} tokens used, {result.context.dropped} dropped "
              f"to fit the {result.context.window}-token window)", file=sys.stderr)
    return EXIT_OK


def run_models(args: argparse.Namespace) -> int:
    from writer_app.engine.models import list_models

    for entry in list_models():
        detail = f"  ({entry.detail})" if entry.detail else ""
        print(f"{entry.kind:<10} {entry.spec}{detail}")
    return EXIT_OK


def run_gui(args: argparse.Namespace) -> int:
    if args.self_test:
        from writer_app.selftest import run_self_test

        return run_self_test(model=args.model or "default", device=args.device or "auto",
                             dtype=args.dtype or "auto")
    try:
        from writer_app.app import run_gui as start_window
    except ImportError as error:
        raise WriterError(f"the window cannot start: {error}",
                          "use the generate and next-tokens commands meanwhile") from error
    return start_window(args.path, model=args.model, device=args.device, dtype=args.dtype)


def _parser_for(argv: Sequence[str]) -> argparse.ArgumentParser:
    """A subcommand's parser when the first word names one; otherwise the window's."""
    first_word = next((a for a in argv if not a.startswith("-")), None)
    if first_word in SUBCOMMANDS or list(argv) in (["-h"], ["--help"]):
        return build_parser()
    return build_gui_parser()


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(encoding="utf-8", errors="replace")  # type: ignore[union-attr]
    try:
        args = _parser_for(argv).parse_args(argv)
        handler = {"generate": run_generate, "next-tokens": run_next_tokens,
                   "models": run_models}.get(getattr(args, "command", None) or "", run_gui)
        return handler(args)
    except UsageError as error:
        print(error, file=sys.stderr)
        return EXIT_USAGE
    except InvalidSettingError as error:
        print(f"writer-app: {error}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return EXIT_OK  # `writer-app generate ... | head` is fine
    except Exception as error:  # every failure becomes one line that says what to do
        if debug:
            raise
        print(f"writer-app: {_describe(error)}", file=sys.stderr)
        return EXIT_FAILURE


def _describe(error: BaseException) -> str:
    if isinstance(error, WriterError):
        return str(error)
    if is_out_of_memory(error):
        return (f"out of memory ({first_line(error, 120)}) — choose a smaller model, "
                "--dtype int8, or --device cpu")
    return f"{type(error).__name__}: {first_line(error)} — run again with --debug for details"


if __name__ == "__main__":
    sys.exit(main())
