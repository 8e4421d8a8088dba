"""The command line's parts: parsing (a contract), the server options, the engine the
headless commands drive, and the commands themselves. `writer_app.__main__` wires them."""
