"""Talking to an OpenAI-compatible completions server (llama.cpp's, vLLM, Ollama, …).

Standard library only: `transport` (sockets, TLS, an HTTP/1.1 reply read in short polls
so a cancel is noticed while a server stalls), `sse` (the event stream), `replies` (the
completions JSON each server shapes its own way), `client` (requests, retries, errors
the user can act on), `pane` and `stream` (the next-token pane and generation built on
them).
"""
