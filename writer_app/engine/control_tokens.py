"""Which tokens of a vocabulary are control tokens, not text, and must never be written.

Gemma 3's base model, continuing a text, sometimes draws `<start_of_image>`, and would
write it into the document; the pane offered it at the start of a document. Such tokens
are suppressed in sampling (logits set to -inf, as transformers' `suppress_tokens`
does). The end-of-text tokens are the exception: drawing one ends the generation.

Tokenizers flag most control tokens as special, but not all: Gemma 3's converted
tokenizer lists `<start_of_image>`, `<end_of_image>` and `[multimodal]` as plain added
tokens, next to added tokens that are text (`<h1>`, `<table>`, runs of tabs). So added
tokens also count when their name has a control token's shape.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from transformers import PreTrainedTokenizerBase

# <unused12>, <start_of_image>, <end_of_turn>, <|endoftext|>, <|im_start|>, [multimodal];
# not HTML tags such as <h1> or </table>, which models write as text.
CONTROL_NAME = re.compile(r"<unused\d+>|<(?:start|end)_of_[a-z_]+>|<\|[^|<>\s]+\|>|\[[a-z_]+\]")


def control_token_ids(tokenizer: PreTrainedTokenizerBase,
                      end_of_text_ids: Iterable[int]) -> frozenset[int]:
    """The ids never to draw or offer: special and control-shaped added tokens, minus EOS."""
    ids = {int(token_id) for token_id in tokenizer.all_special_ids}
    decoder = getattr(tokenizer, "added_tokens_decoder", {})
    for token_id, token in decoder.items():
        content = str(getattr(token, "content", token))
        if getattr(token, "special", False) or CONTROL_NAME.fullmatch(content):
            ids.add(int(token_id))
    return frozenset(ids - set(end_of_text_ids))
