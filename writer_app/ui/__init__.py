"""The Qt window: editor, Next tokens pane, Sampling panel, model picker.

Only the GUI thread touches these widgets, and none of them runs model code: they talk
to the engine through `writer_app.worker`. `main_window.MainWindow` composes parts that
each do one job and report through a `feedback.MessageSink` (the window):

- `model_control.ModelController`   load models; load again when the engine dies
- `generation.GenerationController` Continue / Retry / Stop, streamed into the editor
- `pane_refresh.PaneController`     the Next tokens pane follows the cursor
- `files.FileController`            open, save, watch (`file_watch`), recent files
- `hot_exit.HotExit`                the journal of unsaved edits; restores after a crash
- `completion`, `alternatives`, `probabilities`: ghost text, Continue ×3, colours
- `menus`, `status_bar`, `window_state`, `preferences`: the window's furniture

The document itself (path, encoding, line ending, the disk's stamp) is a Qt-free
`writer_app.documents.document.Document` that these parts share.
"""
