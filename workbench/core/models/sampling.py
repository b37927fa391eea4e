"""Language-model sampling: a continuation of a prime text, with a temperature."""

from __future__ import annotations

from typing import Any

import torch

from workbench.core.data.text import tokenize

#: Tokens a sample never contains: they stand for "something else", not for text.
SPECIAL_TOKENS = ("<unk>", "<pad>")


def sample_ids(
    model: torch.nn.Module,
    prime: list[int],
    n_tokens: int,
    temperature: float = 1.0,
    generator: torch.Generator | None = None,
    banned: list[int] | None = None,
) -> list[int]:
    """``n_tokens`` ids sampled after ``prime`` (temperature 0: always the most likely token);
    ids in ``banned`` (``<unk>``, ``<pad>``) are never drawn.

    The prime runs through the fused layers once; each new token is then one step that carries
    the recurrent state, so sampling costs ``n_tokens`` single-step forwards.
    """
    if not prime:
        raise ValueError("sampling needs at least one prime token")
    device = next(model.parameters()).device
    was_training = model.training
    model.eval()
    out_ids: list[int] = []
    try:
        with torch.no_grad():
            x = torch.tensor([prime], dtype=torch.long, device=device)
            logits, state = model(x)
            for _ in range(n_tokens):
                last = logits[0, -1].double().cpu()
                if banned:
                    last[banned] = float("-inf")
                if temperature <= 0:
                    token = int(last.argmax())
                else:
                    probs = torch.softmax(last / temperature, dim=-1)
                    token = int(torch.multinomial(probs, 1, generator=generator))
                out_ids.append(token)
                logits, state = model(torch.tensor([[token]], device=device), None, state)
    finally:
        model.train(was_training)
    return out_ids


def encode(vocab: list[str], text: str, level: str = "char") -> list[int]:
    """Text → ids of ``vocab``; unknown tokens map to ``<unk>`` (or id 0 when there is none)."""
    index = {tok: i for i, tok in enumerate(vocab)}
    unk = index.get("<unk>", 0)
    tokens = tokenize(text, level)
    if level == "char":
        tokens = [chr(int(c)) for c in tokens]
    return [index.get(tok, unk) for tok in tokens]


def sample_text(
    model: torch.nn.Module,
    data: Any,
    prime: str,
    n_tokens: int = 200,
    temperature: float = 1.0,
    seed: int | None = None,
) -> str:
    """A sampled continuation of ``prime`` as text (``data`` is the language model's PreparedData)."""
    level = "word" if getattr(data, "token_joiner", "") == " " else "char"
    ids = encode(data.vocab, prime, level) or [0]
    gen = torch.Generator().manual_seed(seed) if seed is not None else None
    banned = [i for i, tok in enumerate(data.vocab) if tok in SPECIAL_TOKENS]
    return data.decode(sample_ids(model, ids, n_tokens, temperature, gen, banned))
