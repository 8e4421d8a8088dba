"""`writer-app --self-test` on the tiny model: 0 when all is well, else 1 and one line."""

from __future__ import annotations

import io

from writer_app import selftest


def _run(model: str, **kwargs) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = selftest.run_self_test(model=model, device="cpu", dtype="auto", out=out, err=err,
                                  **kwargs)
    return code, out.getvalue(), err.getvalue()


def test_passes_with_a_working_model(tiny_model_dir, writer_home):
    code, out, err = _run(str(tiny_model_dir))
    assert code == 0, out + err
    assert err == ""
    for expected in ("writer-app", "torch", "transformers", "PySide6", "platform", "qasync",
                     "device        cpu", "drew          the main window", "Chinese",
                     "generated     'The' →", "tokens/s", "[engine process]",
                     "next tokens   'The' →", "self-test passed"):
        assert expected in out, expected


def test_missing_model_fails_with_one_line(tmp_path, writer_home):
    missing = tmp_path / "no-such-model"
    code, out, err = _run(str(missing))
    assert code == 1
    assert err.count("\n") == 1
    assert err.startswith("writer-app: self-test failed: model: No such file or folder")
    assert str(missing) in err
    assert "self-test passed" not in out
    assert "drew" in out  # the other checks still ran


def test_missing_qt_platform_plugin_is_a_failure_not_a_crash(tiny_model_dir, writer_home,
                                                             monkeypatch):
    monkeypatch.setattr(selftest, "_find_platform_plugin", lambda *args, **kwargs: None)
    code, _out, err = _run(str(tiny_model_dir))
    assert code == 1
    assert err.count("\n") == 1
    assert "window: Qt's 'offscreen' platform plugin is missing" in err


def test_no_generated_tokens_is_a_failure(tiny_model_dir, writer_home, monkeypatch):
    monkeypatch.setattr(selftest, "MAX_NEW_TOKENS", 1)
    from writer_app.engine import session

    def no_steps(self, text, params, cancel=None, **kwargs):
        return session.Generation(lambda stats: iter(()))

    monkeypatch.setattr(session.ModelSession, "generate", no_steps)
    code, _out, err = _run(str(tiny_model_dir))
    assert code == 1
    assert "model: the model generated no tokens" in err


def test_cli_wires_the_flag(tiny_model_dir, writer_home, capsys):
    from writer_app.__main__ import main

    code = main(["--self-test", "--model", str(tiny_model_dir), "--device", "cpu"])
    assert code == 0
    assert "self-test passed" in capsys.readouterr().out
