"""The spec → nn.Module builder: shapes, parameter counts, gradients, padding, state."""

import pytest
import torch

from workbench.core.models import build_model
from workbench.core.models.summary import summarize
from workbench.core.spec.layers import DropoutSpec, GRUSpec, LayerNormSpec, LSTMSpec, RNNSpec
from workbench.core.spec.project import HeadSpec, InputSpec, ModelSpec

STACKS = {
    "lstm": [LSTMSpec(hidden_size=12)],
    "gru-2-layer": [GRUSpec(hidden_size=9, num_layers=2, dropout=0.1)],
    "rnn-relu-bi": [RNNSpec(hidden_size=7, bidirectional=True, nonlinearity="relu")],
    "lstm-proj-bi": [LSTMSpec(hidden_size=16, proj_size=5, bidirectional=True, num_layers=2)],
    "mixed": [
        LSTMSpec(hidden_size=8, bidirectional=True),
        DropoutSpec(p=0.3),
        LayerNormSpec(),
        GRUSpec(hidden_size=6),
        RNNSpec(hidden_size=4, num_layers=3),
    ],
}
HEADS = {
    "last": HeadSpec(kind="sequence", pooling="last", output_size=3),
    "mean+dense": HeadSpec(
        kind="sequence", pooling="mean", hidden_size=11, output_size=2, dropout=0.2
    ),
    "max": HeadSpec(kind="sequence", pooling="max", output_size=4),
    "per_step": HeadSpec(kind="per_step", output_size=5),
}


def _spec(stack, head, tokens=False) -> ModelSpec:
    inp = (
        InputSpec(kind="tokens", vocab_size=20, embedding_dim=6)
        if tokens
        else InputSpec(n_features=4)
    )
    return ModelSpec(input=inp, layers=[type(s)(**vars(s)) for s in stack], head=head)


def _inputs(spec, batch=3, steps=9):
    torch.manual_seed(1)
    if spec.input.kind == "tokens":
        return torch.randint(0, spec.input.vocab_size, (batch, steps))
    return torch.randn(batch, steps, spec.input.n_features)


@pytest.mark.parametrize("head", HEADS, ids=str)
@pytest.mark.parametrize("stack", STACKS, ids=str)
def test_shapes_and_parameter_counts(stack, head):
    spec = _spec(STACKS[stack], HEADS[head])
    model = build_model(spec)
    out, state = model(_inputs(spec), torch.tensor([9, 4, 6]))
    expected = (3, 9, 5) if head == "per_step" else (3, HEADS[head].output_size)
    assert tuple(out.shape) == expected
    assert len(state) == len(spec.layers)
    torch_count = sum(p.numel() for p in model.parameters())
    assert summarize(spec).total_params == torch_count


@pytest.mark.parametrize("stack", STACKS, ids=str)
def test_gradients_reach_every_parameter(stack):
    spec = _spec(STACKS[stack], HEADS["mean+dense"], tokens=True)
    model = build_model(spec)
    out, _ = model(_inputs(spec), torch.tensor([9, 4, 6]))
    out.pow(2).sum().backward()
    for name, p in model.named_parameters():
        assert p.grad is not None and p.grad.abs().sum() > 0, f"no gradient reaches {name}"


@pytest.mark.parametrize("head", ["last", "mean+dense", "max"])
@pytest.mark.parametrize("stack", STACKS, ids=str)
def test_padding_does_not_change_a_sequences_output(stack, head):
    spec = _spec(STACKS[stack], HEADS[head])
    model = build_model(spec).eval()
    x = _inputs(spec)
    lengths = torch.tensor([9, 4, 6])
    out, _ = model(x, lengths)
    noisy = x.clone()
    noisy[1, 4:] = 1e3  # garbage in the padding of sequence 1
    noisy[2, 6:] = -7.0
    out_noisy, _ = model(noisy, lengths)
    torch.testing.assert_close(out, out_noisy, rtol=0, atol=1e-6)
    alone, _ = model(x[1:2, :4], None)  # sequence 1 on its own, unpadded
    torch.testing.assert_close(out[1:2], alone, rtol=1e-5, atol=1e-6)


def test_last_step_of_padded_batch_is_the_last_valid_step():
    spec = _spec(STACKS["lstm"], HEADS["last"])
    model = build_model(spec).eval()
    x = _inputs(spec)
    lengths = torch.tensor([9, 4, 6])
    out, _ = model(x, lengths)
    naive, _ = model(x, None)  # out[:, -1] of the padded batch: the classic bug
    assert not torch.allclose(out[1], naive[1])
    torch.testing.assert_close(out[0], naive[0])


def test_stateful_forward_matches_one_long_pass():
    spec = _spec([LSTMSpec(hidden_size=8), GRUSpec(hidden_size=5)], HEADS["per_step"], tokens=True)
    model = build_model(spec).eval()
    x = _inputs(spec, batch=2, steps=12)
    whole, _ = model(x)
    first, state = model(x[:, :5])
    second, _ = model(x[:, 5:], state=state)
    torch.testing.assert_close(torch.cat([first, second], dim=1), whole, rtol=1e-5, atol=1e-6)


def test_summary_shapes_follow_the_stack():
    spec = _spec(STACKS["mixed"], HEADS["per_step"])
    rows = summarize(spec).rows
    assert [r.output_shape for r in rows[1:6]] == [
        "(B, T, 16)",
        "(B, T, 16)",
        "(B, T, 16)",
        "(B, T, 6)",
        "(B, T, 4)",
    ]
    assert rows[-1].output_shape == "(B, T, 5)"


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_model_runs_on_cuda():
    from workbench.core.device import resolve_device

    device = resolve_device("auto")
    assert device.type == "cuda"
    spec = _spec(STACKS["lstm-proj-bi"], HEADS["last"])
    model = build_model(spec).to(device)
    out, _ = model(_inputs(spec).to(device), torch.tensor([9, 4, 6]))
    out.sum().backward()
    assert out.device.type == "cuda"


def test_device_auto_falls_back_to_cpu_and_cuda_request_is_explained():
    from workbench.core.device import describe_device, resolve_device
    from workbench.core.errors import WorkbenchError

    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    device = resolve_device("auto")
    assert device.type in ("cpu", "mps")
    assert "CPU" in describe_device(torch.device("cpu"))
    with pytest.raises(WorkbenchError, match="no usable CUDA GPU"):
        resolve_device("cuda:0")


@pytest.mark.parametrize("kind", ["lstm", "gru"])
def test_last_pooling_is_h_n_of_a_packed_bidirectional_layer(kind):
    from torch.nn.utils.rnn import pack_padded_sequence

    from workbench.core.models.builder import pool

    layer = (LSTMSpec if kind == "lstm" else GRUSpec)(
        hidden_size=6, num_layers=2, bidirectional=True
    )
    spec = _spec([layer], HeadSpec(kind="sequence", pooling="last", output_size=2))
    model = build_model(spec).eval()
    x, lengths = _inputs(spec, batch=4, steps=7), torch.tensor([7, 3, 5, 1])
    rnn = model.blocks[0].rnn
    packed = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
    _, h_n = rnn(packed)
    h_n = h_n[0] if kind == "lstm" else h_n
    expected = torch.cat([h_n[-2], h_n[-1]], dim=-1)
    with torch.no_grad():
        # the fast path (h_n) and the generic one (padded output + pool) agree with h_n
        torch.testing.assert_close(model.final_states(x, lengths), expected)
        features, _ = model.body(x, lengths)
        torch.testing.assert_close(pool(features, lengths, "last", model.backward_from), expected)
        out, _ = model(x, lengths)
        torch.testing.assert_close(out, model.head(expected))
        # last_step keeps the old meaning: the backward direction after one step
        old = pool(features, lengths, "last_step")
        index = lengths - 1
        torch.testing.assert_close(old, features[torch.arange(4), index])
        assert not torch.allclose(old[:, 6:], expected[:, 6:])
    assert "final state per direction" in summarize(spec).to_text()
