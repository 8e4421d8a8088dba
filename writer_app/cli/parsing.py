"""The command line's grammar: a contract other tools rely on (issue 13's "Command line").

`writer-app [PATH]` opens the window; `generate`, `next-tokens` and `models` run headless.
Every option is declared here once; its bounds come from the one table in
`writer_app.boundary.params`. Parsing never loads a model, so usage errors (exit 2) come
before any wait.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NoReturn

from writer_app import __version__
from writer_app.boundary.params import DEVICE_CHOICES, DTYPE_CHOICES
from writer_app.errors import InvalidSettingError

if TYPE_CHECKING:
    from writer_app.boundary.params import SamplingParams

EXIT_OK, EXIT_FAILURE, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
SUBCOMMANDS = ("generate", "next-tokens", "models")
AUTO = "auto"
# Flags people reach for to pass a key: refused by name, with the value never echoed.
KEY_FLAGS = ("--api-key", "--key", "--token", "--api-token", "--openai-api-key")


class UsageError(Exception):
    """Bad command-line usage: exit code 2."""


class _Parser(argparse.ArgumentParser):
    """argparse, but errors raise instead of exiting, so main() owns every exit code.

    Abbreviations are off: `--api-key SECRET` must never be read as `--api-key-env`
    (and echoed back as a variable's name), and a contract is spelt out in full.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message} (see {self.prog} --help)")


def backend_choices() -> tuple[str, ...]:
    """"auto" and every backend a model can be loaded with by name, from the registry
    (the server backend is chosen with --server, not by name)."""
    from writer_app.host.backends import BACKENDS, SERVER

    return (AUTO, *(name for name in BACKENDS if name != SERVER))


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
    group.add_argument("--backend", default=AUTO, choices=backend_choices(),
                       help="what runs the model (auto: llama.cpp for GGUF models on a CPU "
                            "when it is installed, else transformers; `writer-app models` "
                            "lists what runs here)")


def _add_server_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group(
        "server", "run the model on an OpenAI-compatible server (llama.cpp's server, vLLM, "
                  "Ollama, LM Studio…) instead of on this machine")
    group.add_argument("--server", metavar="URL", default=None,
                       help="the server's base URL, e.g. http://127.0.0.1:8080/v1; your text "
                            "is sent to it")
    group.add_argument("--server-model", metavar="NAME", default=None,
                       help="the model to ask the server for, as its /v1/models lists it "
                            "(default: the server's only model)")
    group.add_argument("--api-key-env", metavar="VAR", default=None,
                       help="the environment variable that holds the server's API key (a "
                            "key is never taken on the command line, where others can see it)")


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
    """The headless commands' parser: generate, next-tokens, models."""
    parser = _Parser(prog="writer-app",
                     description="Writer: write with a local language model at your side.",
                     epilog="Without a command, `writer-app [--model M] [--backend B] "
                            "[--server URL] [PATH]` opens the window.")
    parser.add_argument("--version", action="version", version=f"writer-app {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks of failures")
    commands = parser.add_subparsers(dest="command", parser_class=_Parser)

    generate = commands.add_parser("generate", help="stream a continuation of PROMPT to stdout")
    _add_debug_option(generate)
    _add_model_options(generate)
    _add_server_options(generate)
    _add_context_option(generate)
    _add_sampling_options(generate)
    generate.add_argument("prompt", metavar="PROMPT", help="the text to continue; - reads stdin")

    next_tokens = commands.add_parser("next-tokens",
                                      help="the most likely next tokens after PROMPT")
    _add_debug_option(next_tokens)
    _add_model_options(next_tokens)
    _add_server_options(next_tokens)
    _add_context_option(next_tokens)
    _add_sampling_options(next_tokens)
    next_tokens.add_argument("--top", type=int, default=10, metavar="N",
                             help="how many tokens to list (default 10)")
    next_tokens.add_argument("--json", action="store_true", help="print one JSON object")
    next_tokens.add_argument("prompt", metavar="PROMPT", help="the text; - reads stdin")

    models = commands.add_parser("models", help="list the default, cached and recent models, "
                                                "and the backends that can run them here")
    _add_debug_option(models)
    return parser


def _add_debug_option(parser: argparse.ArgumentParser) -> None:
    """--debug after the command word too (`writer-app generate --debug …`)."""
    parser.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                        help="show tracebacks of failures")


def build_gui_parser() -> argparse.ArgumentParser:
    """The window's parser: `writer-app [options] [PATH]`."""
    parser = _Parser(prog="writer-app", description="Start Writer's window.")
    parser.add_argument("--version", action="version", version=f"writer-app {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks of failures")
    parser.add_argument("--self-test", action="store_true",
                        help="load the model, generate a few tokens offscreen, print versions "
                             "and device, and exit (0 when all is well)")
    _add_model_options(parser)
    _add_server_options(parser)
    # Without --model (or --backend), the window reopens what was used last.
    parser.set_defaults(model=None, device=None, dtype=None, backend=None)
    parser.add_argument("path", nargs="?", metavar="PATH",
                        help="a text file to open (created on first save if missing)")
    return parser


def parser_for(argv: Sequence[str]) -> argparse.ArgumentParser:
    """A subcommand's parser when the first word names one; otherwise the window's."""
    first_word = next((a for a in argv if not a.startswith("-")), None)
    if first_word in SUBCOMMANDS or list(argv) in (["-h"], ["--help"]):
        return build_parser()
    return build_gui_parser()


def parse(argv: Sequence[str]) -> argparse.Namespace:
    """The parsed command line; UsageError for anything it cannot be.

    A flag that would take a key itself is refused before argparse sees it, so that no
    message ever repeats the key (argparse echoes unrecognised arguments).
    """
    for word in argv:
        if word == "--":
            break
        flag = word.partition("=")[0]
        if flag in KEY_FLAGS:
            raise UsageError(
                f"writer-app: {flag} is not accepted: a key on the command line is visible "
                f"to other users and stays in your shell's history — put the key in an "
                f"environment variable and name it with --api-key-env VAR")
    return parser_for(argv).parse_args(list(argv))


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


def context_limit_from_args(args: argparse.Namespace) -> int:
    """--context-limit, checked against the same bounds as the window's setting."""
    from writer_app.settings import BY_NAME

    setting = BY_NAME["model.context_limit"]
    low, high = int(setting.minimum or 1), int(setting.maximum or args.context_limit)
    if not low <= args.context_limit <= high:
        raise InvalidSettingError(
            f"--context-limit must be between {low} and {high}, not {args.context_limit}",
            f"e.g. --context-limit {setting.default}")
    return int(args.context_limit)
