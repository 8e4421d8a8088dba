"""A loaded model with its KV cache: next-token distributions and streamed generation.

One `ModelSession` belongs to one thread (the worker): it keeps the KV cache of the last
text it saw, so the next request recomputes only what changed — the common case being
a few characters typed at the end of a long document.
"""

from __future__ import annotations

import copy
import enum
import inspect
import math
import secrets
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import torch

from writer_app.boundary.params import Mode, SamplingParams
from writer_app.boundary.results import ContextUsage, NextTokens, Step, TokenInfo
from writer_app.engine.decoding import IncrementalDecoder
from writer_app.engine.device import MAX_CPU_THREADS, SmallMatmuls, usable_cpu_count
from writer_app.engine.noise import Noise, noise_for
from writer_app.engine.sampling import (
    Candidate,
    Distribution,
    draw_token,
    sampling_distribution,
    top_candidates,
)
from writer_app.engine.threads import ThreadTuner

if TYPE_CHECKING:
    from writer_app.engine.models import LoadedModel

PREFILL_CHUNK = 512  # tokens per forward pass while reading a long text (cancel is checked between)
# Copies of the cache are kept for cheap edits where it cannot be cropped (Gemma 3's
# sliding-window layers, once full). A forward pass of up to NEAR_LAG tokens costs about
# as much as one (the int8 kernel takes rows in blocks of 4; float GEMMs are bound by the
# weights' bytes), so copies are kept near the end: 2 tokens before it (retyping the
# last character re-tokenizes at most the last two tokens, as "up"+"a" vs "u"+"pe"),
# NEAR_LAG before it, wherever a request starts near the end (free: no extra pass), the
# last few such, and SNAPSHOT_LAG before the end, so that deleting a sentence at the end
# re-reads ~32 tokens, not the document.
NEAR_LAG = 4
SNAPSHOT_LAG = 32
CHECKPOINT_LAGS = (2, NEAR_LAG, SNAPSHOT_LAG)
RECENT_SNAPSHOTS = 3
CUT_BLOCK = 256  # a too-long context is cut in blocks so its start (and cache) stays stable
MAX_CHARS_PER_TOKEN = 16  # generous: real vocabularies average 3-4 characters per token
CHARACTER_BLOCK = 65_536  # a huge text is cut in blocks of characters, for the same reason
DEFAULT_TOP_N = 10

__all__ = ["ContextUsage", "GenerationCancelled", "ModelSession", "NextTokens", "Step",
           "TokenInfo"]

ParamsSource = SamplingParams | Callable[[], SamplingParams]
CancelSource = threading.Event | Callable[[], bool] | None


class StopReason(enum.StrEnum):
    EOS = "eos"  # the model ended the text
    LENGTH = "length"  # max_new_tokens reached
    CANCELLED = "cancelled"  # the caller asked to stop
    CONTEXT_FULL = "context-full"  # the model's window is full


@dataclass
class GenerationStats:
    """Filled in while a generation runs; final once its iterator is exhausted."""

    seed: int | None = None
    context: ContextUsage | None = None
    tokens: int = 0
    prefill_seconds: float = 0.0
    decode_seconds: float = 0.0
    stop_reason: StopReason | None = None
    text: list[str] = field(default_factory=list)  # the pieces of a single generation
    rows: list[str] = field(default_factory=list)  # each sample's text (generate_many)

    @property
    def tokens_per_second(self) -> float:
        return self.tokens / self.decode_seconds if self.decode_seconds > 0 else 0.0


class Generation:
    """An iterator of `Step`s whose `stats` tell, at the end, why and how fast it stopped."""

    def __init__(self, steps: Callable[[GenerationStats], Iterator[Step]]) -> None:
        self.stats = GenerationStats()
        self._steps = steps(self.stats)

    def __iter__(self) -> Iterator[Step]:
        return self

    def __next__(self) -> Step:
        return next(self._steps)

    @property
    def text(self) -> str:
        return "".join(self.stats.text)


def _as_cancel_check(cancel: CancelSource) -> Callable[[], bool]:
    if cancel is None:
        return lambda: False
    if isinstance(cancel, threading.Event):
        return cancel.is_set
    return cancel


def _as_params_source(params: ParamsSource) -> Callable[[], SamplingParams]:
    if isinstance(params, SamplingParams):
        return lambda: params
    return params


class ModelSession:
    """Serves next-token distributions and generations for one loaded model."""

    def __init__(self, loaded: LoadedModel, context_limit: int | None = None) -> None:
        self.loaded = loaded
        self.model = loaded.model
        self.tokenizer = loaded.tokenizer
        self.device = loaded.device
        self.context_limit = min(context_limit or loaded.context_window, loaded.context_window)
        forward_parameters = inspect.signature(type(self.model).forward).parameters
        # transformers 5 renames past_key_values to cache; older model classes keep the old name
        self._cache_kwarg = "cache" if "cache" in forward_parameters else "past_key_values"
        self._cache: object | None = None
        self._cached_ids: list[int] = []  # the tokens whose keys and values are in the cache
        self._last_logits: torch.Tensor | None = None  # next-token logits after _cached_ids
        self._snapshots: list[_Snapshot] = []  # by ascending length
        self._decode_threads: int | None = None  # the thread count decoding found best last
        # (logits, context ids, usage) of the last next_tokens(), for reweigh()
        self._pane: tuple[torch.Tensor, torch.Tensor, ContextUsage] | None = None
        self._token_text: dict[int, tuple[str, str]] = {}
        self.eos_ids = self._eos_ids()
        self._matmuls = SmallMatmuls(loaded.device, loaded.dtype,
                                     loaded.precision.startswith("int8"))

    # ---- tokens and context --------------------------------------------------------------

    def _eos_ids(self) -> frozenset[int]:
        ids: set[int] = set()
        generation_config = getattr(self.model, "generation_config", None)
        for value in (getattr(generation_config, "eos_token_id", None),
                      self.tokenizer.eos_token_id):
            if isinstance(value, int):
                ids.add(value)
            elif isinstance(value, (list, tuple)):
                ids.update(int(v) for v in value)
        return frozenset(ids)

    def tokenize(self, text: str, preamble: str = "") -> tuple[list[int], int]:
        """Token ids as the tokenizer gives them by default (BOS included where used).

        Returns (ids, protected): the first `protected` ids (BOS and the preamble) are never
        cut when the context is too long. A text far longer than the window (a 10 MB
        manuscript) is first cut to its last characters, so a keystroke never tokenizes
        the whole book; the cut moves in blocks, keeping the KV cache valid while typing.
        """
        skip = self._characters_to_skip(len(text))
        if preamble or skip:
            head = self.tokenizer(preamble)["input_ids"]  # BOS, where used, and the preamble
            body = self.tokenizer(text[skip:], add_special_tokens=False)["input_ids"]
        else:
            ids = self.tokenizer(text)["input_ids"]
            bos = self.tokenizer.bos_token_id
            protected = 1 if ids and bos is not None and ids[0] == bos else 0
            head, body = ids[:protected], ids[protected:]
        ids = list(head) + list(body)
        if not ids:  # an empty text with a tokenizer that adds no BOS: start from EOS/BOS
            start = self.tokenizer.bos_token_id
            if start is None:
                start = next(iter(self.eos_ids), 0)
            return [start], 1
        return ids, len(head)

    def _characters_to_skip(self, length: int) -> int:
        """How many leading characters cannot matter: no token is longer than
        MAX_CHARS_PER_TOKEN characters, so the window's tokens lie in the tail."""
        surplus = length - self.context_limit * MAX_CHARS_PER_TOKEN
        return max(0, surplus // CHARACTER_BLOCK * CHARACTER_BLOCK)

    def fit_context(self, ids: Sequence[int], protected: int,
                    reserve: int = 0) -> tuple[list[int], ContextUsage]:
        """Cut the oldest tokens (after the protected head) so the text fits the window.

        `reserve` tokens are kept free for generation (at most half the window). The cut is
        made in whole blocks so that, as text grows, the kept start stays the same for a
        while and the KV cache stays valid.
        """
        budget = self.context_limit - min(reserve, self.context_limit // 2)
        head, body = list(ids[:protected]), list(ids[protected:])
        excess = len(head) + len(body) - budget
        dropped = 0
        if excess > 0:
            block = max(1, min(CUT_BLOCK, budget // 8))  # keeps at least 7/8 of the window
            dropped = min(len(body) - 1, math.ceil(excess / block) * block)
            dropped = max(dropped, 0)
            body = body[dropped:]
            if len(head) + len(body) > budget:  # the preamble alone fills the window
                overflow = len(head) + len(body) - budget
                head = head[:1] + head[1 + overflow:] if len(head) > overflow else head
        fitted = head + body
        return fitted, ContextUsage(len(fitted), len(ids) - len(fitted), self.context_limit)

    def token_text(self, token_id: int) -> tuple[str, str]:
        """(decoded on its own, vocabulary piece) for a token id, memoised."""
        known = self._token_text.get(token_id)
        if known is None:
            text = self.tokenizer.decode([token_id], clean_up_tokenization_spaces=False)
            piece = self.tokenizer.convert_ids_to_tokens(token_id)
            known = (text, str(piece))
            if len(self._token_text) > 50_000:
                self._token_text.clear()
            self._token_text[token_id] = known
        return known

    def _token_infos(self, candidates: Sequence[Candidate]) -> tuple[TokenInfo, ...]:
        return tuple(TokenInfo(c.id, *self.token_text(c.id), c.prob, c.sampled_prob)
                     for c in candidates)

    # ---- the KV cache ----------------------------------------------------------------------

    def _forward(self, ids: Sequence[int], keep: int = 1) -> torch.Tensor:
        """Feed `ids` after the cached tokens; returns the logits of the last `keep`: [keep, V]."""
        if self._cache is None:
            from transformers import DynamicCache

            self._cache = DynamicCache(config=self.model.config)
        input_ids = torch.tensor([list(ids)], dtype=torch.long, device=self.device)  # [1, S]
        with self._matmuls.rows(len(ids)):
            output = self.model(input_ids=input_ids, use_cache=True, logits_to_keep=keep,
                                **{self._cache_kwarg: self._cache})
        self._cached_ids.extend(ids)
        return output.logits[0].float()  # [keep, V]

    def _rollback(self, length: int) -> None:
        """Make the cache hold only the first `length` of its tokens (or fewer)."""
        if length >= len(self._cached_ids):
            return
        self._last_logits = None
        if self._cache is not None and length > 0 and self._can_crop():
            self._cache.crop(length - len(self._cached_ids))  # type: ignore[attr-defined]
            del self._cached_ids[length:]
            return
        usable = [snapshot for snapshot in self._snapshots if len(snapshot.ids) <= length]
        if usable:
            self._cache = copy.deepcopy(usable[-1].cache)
            del self._cached_ids[len(usable[-1].ids):]
        else:
            self._cache = None
            self._cached_ids = []

    def _can_crop(self) -> bool:
        """Cropping loses sliding-window layers' states once they are full, so only then not."""
        for layer in getattr(self._cache, "layers", ()):
            window = getattr(layer, "sliding_window", None)
            if getattr(layer, "is_sliding", False) and (
                    window is None or layer.get_seq_length() >= window):
                return False
        return True

    def _may_outgrow_cropping(self, length: int) -> bool:
        """Whether a cache of `length` tokens may be past a sliding window, where cropping
        fails and edits need copies. Below it no copies are taken: they would cost time,
        and splitting a short prompt's pass would change its float rounding."""
        config = self.model.config
        if hasattr(config, "get_text_config"):  # multimodal Gemma 3 keeps it in text_config
            config = config.get_text_config()
        window = getattr(config, "sliding_window", None)
        return isinstance(window, int) and length >= window - 1

    def _take_snapshot(self, final_length: int) -> None:
        """Keep a copy of the cache as it is now; `final_length`: the length being built."""
        ids = tuple(self._cached_ids)
        if self._cache is None or any(snapshot.ids == ids for snapshot in self._snapshots):
            return
        snapshots = sorted([*self._snapshots, _Snapshot(ids, copy.deepcopy(self._cache))],
                           key=lambda snapshot: len(snapshot.ids))
        far = [snapshot for snapshot in snapshots
               if len(snapshot.ids) <= final_length - SNAPSHOT_LAG][-1:]
        recent = snapshots[-RECENT_SNAPSHOTS:]
        self._snapshots = [snapshot for snapshot in snapshots
                           if snapshot in recent or snapshot in far]

    def _logits_after(self, ids: Sequence[int], cancel: Callable[[], bool]) -> torch.Tensor:
        """Next-token logits [V] after `ids`, computing only what the cache lacks."""
        cached = self._cached_ids
        common = 0
        for a, b in zip(cached, ids, strict=False):
            if a != b:
                break
            common += 1
        if common == len(ids) == len(cached) and self._last_logits is not None:
            return self._last_logits
        self._snapshots = [snapshot for snapshot in self._snapshots  # drop what the edit made stale
                           if tuple(ids[:len(snapshot.ids)]) == snapshot.ids]
        self._rollback(min(common, len(ids) - 1))  # at least one token must be fed
        position = len(self._cached_ids)
        checkpoints: set[int] = set()
        if self._may_outgrow_cropping(len(ids)):
            checkpoints = {len(ids) - lag for lag in CHECKPOINT_LAGS}
            if position in range(len(ids) - NEAR_LAG, len(ids)):
                checkpoints.add(position)
        logits = None
        while position < len(ids):
            if cancel():
                raise GenerationCancelled
            if position in checkpoints and position > 0:
                self._take_snapshot(len(ids))
            end = min(len(ids), position + PREFILL_CHUNK)
            end = min([end, *(point for point in checkpoints if position < point < end)])
            logits = self._forward(ids[position:end])[-1]
            position = end
        assert logits is not None
        self._last_logits = logits
        return logits

    def reset_cache(self) -> None:
        """Forget all cached state (e.g. to measure a full recomputation)."""
        self._cache, self._cached_ids, self._last_logits, self._snapshots = None, [], None, []

    @property
    def cached_tokens(self) -> int:
        return len(self._cached_ids)

    # ---- next tokens -----------------------------------------------------------------------

    def next_tokens(self, text: str, params: SamplingParams, n: int = DEFAULT_TOP_N,
                    preamble: str = "", cancel: CancelSource = None) -> NextTokens:
        """The n most likely tokens after `text`, raw and under `params`."""
        ids, protected = self.tokenize(text, preamble)
        fitted, usage = self.fit_context(ids, protected)
        with torch.inference_mode():
            logits = self._logits_after(fitted, _as_cancel_check(cancel))
            context_ids = torch.tensor(fitted, device=self.device)
            self._pane = (logits, context_ids, usage)
            return self._distribution(logits, context_ids, usage, params, n)

    def reweigh(self, params: SamplingParams, n: int = DEFAULT_TOP_N) -> NextTokens | None:
        """The last next-token result under other settings, from cached logits (no model call)."""
        if self._pane is None:
            return None
        with torch.inference_mode():
            return self._distribution(*self._pane, params, n)

    def _distribution(self, logits: torch.Tensor, context_ids: torch.Tensor,
                      usage: ContextUsage, params: SamplingParams, n: int) -> NextTokens:
        distribution = sampling_distribution(logits, context_ids, _step_params(params))
        tokens = self._token_infos(top_candidates(logits.softmax(dim=-1), distribution, n))
        return NextTokens(tokens, usage, params)

    # ---- generation ------------------------------------------------------------------------

    def generate(self, text: str, params: ParamsSource, cancel: CancelSource = None,
                 preamble: str = "", top_n: int = DEFAULT_TOP_N) -> Generation:
        """Continue `text`, one `Step` per token.

        `params` may be a callable: it is read afresh before every token, so a slider moved
        mid-generation applies from the next token. `cancel` is checked before every token.
        """
        read_params = _as_params_source(params)
        is_cancelled = _as_cancel_check(cancel)

        def run(stats: GenerationStats) -> Iterator[Step]:
            first = read_params()
            ids, protected = self.tokenize(text, preamble)
            fitted, stats.context = self.fit_context(ids, protected, reserve=first.max_new_tokens)
            if first.mode is Mode.BEAM:
                yield from self._beam_steps(fitted, first, is_cancelled, stats, top_n)
            else:
                yield from self._sampled_steps(fitted, read_params, is_cancelled, stats, top_n)

        return Generation(run)

    def _sampled_steps(self, ids: list[int], read_params: Callable[[], SamplingParams],
                       is_cancelled: Callable[[], bool], stats: GenerationStats,
                       top_n: int) -> Iterator[Step]:
        first = read_params()
        stats.seed = first.seed if first.seed is not None else secrets.randbits(63)
        decoder = IncrementalDecoder(self.tokenizer, ids)
        context = list(ids)
        started = time.perf_counter()
        try:
            with torch.inference_mode():
                logits = self._logits_after(context, is_cancelled)
        except GenerationCancelled:
            stats.stop_reason = StopReason.CANCELLED
            return
        stats.prefill_seconds = time.perf_counter() - started
        started = time.perf_counter()
        spare_core = self.device.type == "cpu" and torch.get_num_threads() < usable_cpu_count()
        noise = noise_for(stats.seed, logits.shape[-1], self.device, spare_core)
        threads = torch.get_num_threads()
        tuner = self._thread_tuner()
        try:
            yield from self._decode_loop(logits, context, decoder, read_params, is_cancelled,
                                         stats, top_n, noise, tuner)
        finally:
            noise.close()
            if tuner is not None:
                self._decode_threads = tuner.current
                torch.set_num_threads(threads)  # the pane keeps the worker's choice
        stats.decode_seconds = time.perf_counter() - started

    def _thread_tuner(self) -> ThreadTuner | None:
        """Decoding on the CPU tries all cores and one fewer, starting where it ended last."""
        if self.device.type != "cpu":
            return None
        most = min(usable_cpu_count(), MAX_CPU_THREADS)
        if most < 2:
            return None
        start = self._decode_threads or torch.get_num_threads()
        counts = (most, most - 1) if start >= most else (most - 1, most)
        return ThreadTuner(counts, torch.set_num_threads)

    def _decode_loop(self, logits: torch.Tensor, context: list[int],
                     decoder: IncrementalDecoder, read_params: Callable[[], SamplingParams],
                     is_cancelled: Callable[[], bool], stats: GenerationStats, top_n: int,
                     noise: Noise, tuner: ThreadTuner | None) -> Iterator[Step]:
        index = 0
        while True:
            if tuner is not None:
                tuner.step()
            params = read_params()
            if is_cancelled():
                stats.stop_reason = StopReason.CANCELLED
                break
            if index >= params.max_new_tokens:
                stats.stop_reason = StopReason.LENGTH
                break
            if len(context) >= self.context_limit:
                stats.stop_reason = StopReason.CONTEXT_FULL
                break
            with torch.inference_mode():
                context_ids = torch.tensor(context, device=self.device)
                distribution = sampling_distribution(logits, context_ids, _step_params(params))
                token = draw_token(distribution, noise=noise)
                raw = logits.softmax(dim=-1)
                alternatives = self._token_infos(top_candidates(raw, distribution, top_n))
                chosen = _chosen_probs(raw, distribution, token)
            stats.tokens += 1
            if token in self.eos_ids:
                stats.stop_reason = StopReason.EOS
                break
            piece = decoder.push(token)
            stats.text.append(piece)
            yield Step(index, token, piece, *chosen, alternatives)
            index += 1
            context.append(token)
            with torch.inference_mode():
                logits = self._forward([token])[-1]
            self._last_logits = logits
        tail = decoder.flush()
        if tail:
            stats.text.append(tail)
            yield Step(index, -1, tail, 0.0, 0.0, ())

    def _beam_steps(self, ids: list[int], params: SamplingParams,
                    is_cancelled: Callable[[], bool], stats: GenerationStats,
                    top_n: int) -> Iterator[Step]:
        """Beam search finds the likeliest whole passage, so it streams only once done."""
        from transformers import StoppingCriteria, StoppingCriteriaList

        class StopWhenCancelled(StoppingCriteria):
            def __call__(self, input_ids: torch.Tensor, scores: torch.Tensor,
                         **kwargs: object) -> torch.Tensor:
                return torch.full((input_ids.shape[0],), is_cancelled(), dtype=torch.bool,
                                  device=input_ids.device)

        started = time.perf_counter()
        pad = self.tokenizer.pad_token_id
        with torch.inference_mode():
            output = self.model.generate(
                torch.tensor([ids], device=self.device),
                attention_mask=torch.ones(1, len(ids), dtype=torch.long, device=self.device),
                do_sample=False, num_beams=params.num_beams,
                max_new_tokens=max(1, min(params.max_new_tokens, self.context_limit - len(ids))),
                repetition_penalty=params.repetition_penalty,
                temperature=None, top_k=None, top_p=None,
                pad_token_id=pad if pad is not None else next(iter(self.eos_ids), 0),
                stopping_criteria=StoppingCriteriaList([StopWhenCancelled()]),
            )
        new = output[0, len(ids):].tolist()
        ended = bool(new) and new[-1] in self.eos_ids
        new = [t for t in new if t not in self.eos_ids and t != pad] if ended else new
        stats.decode_seconds = time.perf_counter() - started
        stats.tokens = len(new)
        if is_cancelled():
            stats.stop_reason = StopReason.CANCELLED
            return
        stats.stop_reason = StopReason.EOS if ended else StopReason.LENGTH
        if not new:
            return
        # Teacher-force the chosen passage through the cache for each step's distribution.
        with torch.inference_mode():
            first = self._logits_after(ids, is_cancelled).unsqueeze(0)
            rest = self._forward(new[:-1], keep=len(new) - 1) if len(new) > 1 else first[:0]
            self._last_logits = self._forward([new[-1]])[-1]
            all_logits = torch.cat([first, rest])  # [len(new), V]
            context = list(ids)
            step_params = _step_params(params)
            decoder = IncrementalDecoder(self.tokenizer, ids)
            for index, (token, logits) in enumerate(zip(new, all_logits, strict=True)):
                distribution = sampling_distribution(
                    logits, torch.tensor(context, device=self.device), step_params)
                raw = logits.softmax(dim=-1)
                alternatives = self._token_infos(top_candidates(raw, distribution, top_n))
                piece = decoder.push(token)
                stats.text.append(piece)
                context.append(token)
                yield Step(index, token, piece, *_chosen_probs(raw, distribution, token),
                           alternatives)
            tail = decoder.flush()
            if tail:
                stats.text.append(tail)
                yield Step(len(new), -1, tail, 0.0, 0.0, ())


    def generate_many(self, text: str, params: SamplingParams, n: int,
                      cancel: CancelSource = None, preamble: str = "", top_n: int = 5,
                      cut: Callable[[str], int | None] | None = None) -> Generation:
        """n independent samples of a continuation, decoded together in one batch.

        The prompt is read once; its cache is copied n times, and every step feeds one
        token per unfinished sample in a single forward pass. `cut(text)` may end a
        sample early (e.g. at a sentence end): it returns the length to keep, or None.
        Steps carry their sample's `row`. The session's own cache stays at the prompt.
        """
        is_cancelled = _as_cancel_check(cancel)
        step_params = _step_params(params.with_changes(mode=Mode.SAMPLE)
                                   if params.mode is Mode.BEAM else params)

        def run(stats: GenerationStats) -> Iterator[Step]:
            ids, protected = self.tokenize(text, preamble)
            fitted, stats.context = self.fit_context(ids, protected, reserve=params.max_new_tokens)
            stats.seed = params.seed if params.seed is not None else secrets.randbits(63)
            generator = torch.Generator(device=self.device).manual_seed(stats.seed)
            try:
                with torch.inference_mode():
                    first = self._logits_after(fitted, is_cancelled)
            except GenerationCancelled:
                stats.stop_reason = StopReason.CANCELLED
                return
            started = time.perf_counter()
            cache = copy.deepcopy(self._cache)
            cache.batch_repeat_interleave(n)  # type: ignore[attr-defined]
            logits = first.unsqueeze(0).expand(n, -1)  # [n, V]
            contexts = [list(fitted) for _ in range(n)]
            decoders = [IncrementalDecoder(self.tokenizer, fitted) for _ in range(n)]
            texts = [""] * n
            active = [True] * n
            for index in range(params.max_new_tokens):
                if is_cancelled():
                    stats.stop_reason = StopReason.CANCELLED
                    break
                if len(contexts[0]) >= self.context_limit:
                    stats.stop_reason = StopReason.CONTEXT_FULL
                    break
                fed = []
                for row in range(n):
                    if not active[row]:
                        fed.append(contexts[row][-1])  # keeps the batch shape; output unused
                        continue
                    with torch.inference_mode():
                        row_logits = logits[row]
                        distribution = sampling_distribution(
                            row_logits, torch.tensor(contexts[row], device=self.device),
                            step_params)
                        token = draw_token(distribution, generator)
                        raw = row_logits.softmax(dim=-1)
                        alternatives = self._token_infos(top_candidates(raw, distribution,
                                                                        top_n))
                        chosen = _chosen_probs(raw, distribution, token)
                    stats.tokens += 1
                    fed.append(token)
                    contexts[row].append(token)
                    if token in self.eos_ids:
                        active[row] = False
                        continue
                    piece = decoders[row].push(token)
                    end = cut(texts[row] + piece) if cut else None
                    if end is not None:
                        piece = (texts[row] + piece)[len(texts[row]):end]
                        active[row] = False
                    texts[row] += piece
                    yield Step(index, token, piece, *chosen, alternatives, row=row)
                if not any(active):
                    stats.stop_reason = StopReason.EOS
                    break
                with torch.inference_mode():
                    input_ids = torch.tensor(fed, device=self.device).unsqueeze(1)  # [n, 1]
                    with self._matmuls.rows(len(fed)):
                        output = self.model(input_ids=input_ids, use_cache=True,
                                            logits_to_keep=1, **{self._cache_kwarg: cache})
                    logits = output.logits[:, -1].float()  # [n, V]
            else:
                stats.stop_reason = StopReason.LENGTH
            for row in range(n):
                tail = decoders[row].flush() if active[row] else ""
                if tail:
                    texts[row] += tail
                    yield Step(params.max_new_tokens, -1, tail, 0.0, 0.0, (), row=row)
            stats.decode_seconds = time.perf_counter() - started
            stats.rows = texts

        return Generation(run)


@dataclass(eq=False)
class _Snapshot:
    """A copy of the cache and the tokens it holds."""

    ids: tuple[int, ...]
    cache: object


class GenerationCancelled(Exception):
    """Raised inside the engine when a long prefill is cancelled."""


def _step_params(params: SamplingParams) -> SamplingParams:
    """Beam search shows its steps' distributions as greedy choice would see them."""
    return params.with_changes(mode=Mode.GREEDY) if params.mode is Mode.BEAM else params


def _chosen_probs(raw_probs: torch.Tensor, distribution: Distribution,
                  token: int) -> tuple[float, float]:
    ids = torch.tensor([token], device=raw_probs.device)
    return float(raw_probs[token]), float(distribution.prob_of(ids)[0])
