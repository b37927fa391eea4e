"""Spec → ``nn.Module`` (fused kernels), model summary, and inspection of recurrent layers."""

from workbench.core.models.builder import SequenceModel, build_model, detach_state, pool, valid_mask

__all__ = ["SequenceModel", "build_model", "detach_state", "pool", "valid_mask"]
