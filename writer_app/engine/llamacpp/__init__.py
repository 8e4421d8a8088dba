"""GGUF models run in-process by llama.cpp (llama-cpp-python), sampled by Writer's own code.

llama.cpp computes each position's logits; suppression, penalty, temperature, top-k,
top-p and the seeded draw are the transformers backend's functions, so the settings,
the seeds and the pane's two columns mean the same on both backends. One module a job:

- model: opening a GGUF (checked first, quiet, threads as the transformers backend picks)
- vocab: llama.cpp's vocabulary shaped like the tokenizer calls Writer's shared code makes
- runner: the KV cache of the last text and the logits after it (prefix reuse)
- fast_step: DecodeStep.choose computed in place on one copy of the logits
- noise_ahead: torch's noise stream drawn on a helper thread while llama.cpp decodes
- decoding: the decode loops (a streamed generation; n samples)
- session: LlamaSession, what the llama.cpp backend serves requests with
"""
