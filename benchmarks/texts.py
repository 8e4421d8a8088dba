"""The benchmarks' fixed texts: one English and one Chinese paragraph, written for them
(the fidelity text and the material of every long document), and the decode prompt."""

from __future__ import annotations

from typing import Any

DECODE_PROMPT = ("The lighthouse keeper climbed the spiral stairs one last time, and as the "
                 "lamp turned slowly above the dark water he")

ENGLISH = (
    "The town of Aldmere sits where the river slows before it meets the sea, and for most "
    "of its history it lived on what the water brought. In spring the boats came up with "
    "salt, cloth and news; in autumn they went down again with apples, wool and the letters "
    "that people had been too busy to write all summer. The harbour master kept a ledger of "
    "every arrival, and his ledgers, bound in green leather and stacked in the attic of the "
    "customs house, are the reason we know so much about ordinary life there. They record "
    "the weather, the price of bread, the names of sailors who married local girls, and "
    "once, in a careful hand, the day a whale swam past the lighthouse and half the town "
    "rowed out to watch it. Historians tend to prefer kings and battles, but a ledger like "
    "this tells a quieter story: how a community measured its year, what it feared, and "
    "what it thought worth writing down. When the railway arrived in 1871 the boats came "
    "less often, and within a generation the harbour had silted up. The customs house "
    "became a school, then a library, and the ledgers were nearly burned as waste paper "
    "before a schoolteacher noticed the whale. Today they are kept in a climate-controlled "
    "room, and anyone may read them by appointment. Reading them is slow work. The ink has "
    "faded to brown, the spelling changes from one harbour master to the next, and numbers "
    "are written in a style nobody uses any more. Yet after an hour or two the voices come "
    "through, patient and precise, and the town seems less like a place in a book than a "
    "place you might visit on Sunday, if only the river still ran deep enough to carry you "
    "there."
)
CHINESE = (
    "每年秋天，外婆都会在院子里晒柿子。她先把柿子一个个削好皮，用细麻绳系住果蒂，挂在屋檐下的"
    "竹竿上。阳光好的日子，整面墙都是橙红色的，远远看去像挂了一串串小灯笼。邻居家的孩子放学路过，"
    "总要停下来数一数今年挂了多少个。外婆从不着急，她说柿子要慢慢等，等风把水分带走，等糖分一点点"
    "爬到表面，结成一层白霜，才算真正好了。小时候我不懂，常常趁她午睡偷偷捏一捏，结果留下一个个"
    "指印，被她笑着骂了好几回。后来我去城里读书，又去了更远的地方工作，每年只能在电话里听她说柿子"
    "晒得怎么样。去年冬天，她寄来一个小纸箱，里面整整齐齐码着二十个柿饼，每一个都裹着薄薄的白霜。"
    "我咬了一口，甜味很慢地散开，忽然明白了她说的等待是什么意思。"
)
FIDELITY_TEXT = ENGLISH + "\n\n" + CHINESE


def long_text(tokenizer: Any, n_tokens: int) -> str:
    """A text of about `n_tokens` tokens (BOS included): numbered chapters of the paragraphs."""
    chapters: list[str] = []
    ids: list[int] = []
    while len(ids) < n_tokens + 8:
        number = len(chapters) + 1
        chapters.append(f"Chapter {number}.\n\n{ENGLISH}\n\n{CHINESE}\n\n")
        ids = tokenizer("".join(chapters), add_special_tokens=False)["input_ids"]
    special = len(tokenizer("")["input_ids"])  # BOS, where the tokenizer adds one
    return tokenizer.decode(ids[:max(1, n_tokens - special)])


def fidelity_ids(tokenizer: Any, n_tokens: int) -> list[int]:
    """The fixed fidelity text as token ids (BOS included), at most `n_tokens` of them."""
    return list(tokenizer(FIDELITY_TEXT)["input_ids"][:n_tokens])
