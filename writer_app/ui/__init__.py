"""The Qt window: editor, Next tokens pane, Sampling panel, model picker.

Only the GUI thread touches these widgets, and none of them runs model code: they talk
to the engine through `writer_app.worker`.
"""
