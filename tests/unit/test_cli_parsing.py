"""Command-line parsing that needs no model: which parser, which defaults, which exit code."""

from __future__ import annotations

import pytest

from writer_app.__main__ import EXIT_USAGE, _parser_for, main, params_from_args


def test_the_window_reopens_the_last_model_unless_told_otherwise():
    args = _parser_for([]).parse_args([])
    assert args.model is None and args.device is None and args.dtype is None
    args = _parser_for(["notes.md"]).parse_args(["--model", "x/y", "notes.md"])
    assert args.model == "x/y" and args.path == "notes.md"


def test_subcommands_default_to_the_built_in_model():
    args = _parser_for(["generate", "hi"]).parse_args(["generate", "hi"])
    assert args.model == "default" and args.device == "auto" and args.dtype == "auto"
    assert params_from_args(args).temperature == 0.8


@pytest.mark.parametrize("argv", [["generate", "--top-p", "2", "x"], ["next-tokens"],
                                  ["--dtype", "int4"]])
def test_usage_errors_exit_2_before_loading_anything(argv, capsys):
    assert main(argv) == EXIT_USAGE
    assert len(capsys.readouterr().err.strip().splitlines()) == 1
