"""Every sampler as an exact pure function over one step's logits.

Each function takes the logits of one position ([V], float32) — and, where the sampler
looks at the text, the context ids ([L]) — and returns new logits, -inf where a token is
cut, leaving its input untouched. 'Off' values return the input itself. Where transformers
has a processor for the sampler, the function equals it bit for bit (its source is
mirrored, batch of one); where it has none, the module names the published definition it
follows. `order` holds the order they run in; `chain` runs them all.
"""
