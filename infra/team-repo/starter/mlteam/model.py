"""A small CNN classifier; big enough to exercise convolutions on the GPU, small enough for CI."""

from __future__ import annotations

import hashlib

import torch
from torch import nn


class SmallCNN(nn.Module):
    def __init__(self, classes: int, channels: int = 16) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, channels, kernel_size=3, padding=1),
            nn.BatchNorm2d(channels),
            nn.ReLU(),
            nn.Conv2d(channels, channels, kernel_size=3, padding=1),
            nn.ReLU(),
        )
        self.head = nn.Linear(channels * POOLED * POOLED, classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(torch.flatten(average_pool(self.features(x), POOLED), 1))


POOLED = 4


def pooling_matrix(size: int, bins: int, like: torch.Tensor) -> torch.Tensor:
    """A (bins, size) matrix whose row i averages the inputs of nn.AdaptiveAvgPool's bin i."""
    matrix = torch.zeros(bins, size, dtype=like.dtype, device=like.device)
    for i in range(bins):
        start, end = (i * size) // bins, -((-(i + 1) * size) // bins)
        matrix[i, start:end] = 1.0 / (end - start)
    return matrix


def average_pool(x: torch.Tensor, bins: int) -> torch.Tensor:
    """nn.AdaptiveAvgPool2d(bins) as two matrix products. The module has no deterministic CUDA
    backward: under torch.use_deterministic_algorithms a GPU run stopped at the first backward
    pass (H200, torch 2.11). Matrix products are deterministic there (cuBLAS with a fixed
    workspace, mlteam/reproducibility.py)."""
    rows, columns = pooling_matrix(x.shape[-2], bins, x), pooling_matrix(x.shape[-1], bins, x)
    return rows @ x @ columns.T


def weights_digest(model: nn.Module) -> str:
    """sha256 over every parameter and buffer, in name order: equal digests mean equal weights."""
    digest = hashlib.sha256()
    for name, tensor in sorted(model.state_dict().items()):
        digest.update(name.encode())
        digest.update(tensor.detach().cpu().contiguous().numpy().tobytes())
    return "sha256:" + digest.hexdigest()
