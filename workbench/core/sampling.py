"""Text from a trained language model: prime it, then sample token by token.

``temperature`` < 1 sharpens the distribution (safer, more repetitive text), > 1 flattens it;
0 picks the most likely token every time. The hidden state is carried, so each new token
costs one step of the recurrent stack, not a re-read of the whole text.
"""

from __future__ import annotations

import torch

SPECIAL = ("<unk>", "<pad>")


@torch.inference_mode()
def sample_ids(
    model: torch.nn.Module,
    prime: list[int],
    length: int,
    temperature: float = 0.8,
    seed: int | None = 0,
    device: torch.device | str | None = None,
    banned: list[int] | None = None,
) -> list[int]:
    """``length`` token ids drawn after ``prime`` (which must hold at least one id); ids in
    ``banned`` (``<unk>``, ``<pad>``) are never drawn."""
    if not prime:
        raise ValueError("sampling needs at least one prime token")
    if temperature < 0:
        raise ValueError(f"temperature must be ≥ 0 (got {temperature})")
    device = torch.device(device) if device is not None else next(model.parameters()).device
    generator = torch.Generator(device="cpu")
    if seed is not None:
        generator.manual_seed(seed)
    was_training = model.training
    model.eval()
    try:
        x = torch.tensor([prime], dtype=torch.long, device=device)
        out, state = model(x, None, None)
        ids: list[int] = []
        for _ in range(length):
            logits = out[0, -1].float().cpu()
            if banned:
                logits[banned] = float("-inf")
            if temperature == 0:
                nxt = int(logits.argmax())
            else:
                probs = torch.softmax(logits / temperature, dim=-1)
                nxt = int(torch.multinomial(probs, 1, generator=generator))
            ids.append(nxt)
            out, state = model(torch.tensor([[nxt]], device=device), None, state)
    finally:
        model.train(was_training)
    return ids


def encode(text: str, vocab: list[str], level: str = "char") -> list[int]:
    """Token ids of ``text`` (unknown tokens → ``<unk>``, or id 0 when there is none)."""
    index = {tok: i for i, tok in enumerate(vocab)}
    unk = index.get("<unk>", 0)
    tokens = list(text) if level == "char" else text.split()
    return [index.get(tok, unk) for tok in tokens]


def sample_text(
    model: torch.nn.Module,
    vocab: list[str],
    prime: str = "\n",
    length: int = 300,
    temperature: float = 0.8,
    seed: int | None = 0,
    level: str = "char",
    device: torch.device | str | None = None,
) -> str:
    """``prime`` followed by ``length`` sampled tokens, as text."""
    ids = encode(prime, vocab, level) or [0]
    banned = [i for i, tok in enumerate(vocab) if tok in SPECIAL]
    new = sample_ids(model, ids, length, temperature, seed, device, banned)
    joiner = "" if level == "char" else " "
    return prime + joiner.join(vocab[i] if 0 <= i < len(vocab) else "<unk>" for i in new)
