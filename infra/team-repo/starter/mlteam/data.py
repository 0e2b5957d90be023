"""Generated training data: small images whose class is the quadrant holding a bright blob.

Replace this module with the team's dataset; keep `make_loader`'s signature so train.py and
the tests keep working. Generated from a seeded generator, so every run sees the same data.
"""

from __future__ import annotations

import torch
from torch.utils.data import DataLoader, TensorDataset

from mlteam.reproducibility import seed_worker


def make_dataset(examples: int, image_size: int, classes: int, generator: torch.Generator) -> TensorDataset:
    """`examples` single-channel images; label k puts a blob in region k of a grid of `classes` regions."""
    labels = torch.randint(0, classes, (examples,), generator=generator)
    images = 0.8 * torch.randn(examples, 1, image_size, image_size, generator=generator)
    regions = torch.linspace(0, image_size - 2, classes).long()
    for i in range(examples):
        start = int(regions[labels[i]])
        images[i, 0, start : start + 2, :] += 0.5
    return TensorDataset(images, labels)


def make_loader(examples: int, image_size: int, classes: int, batch_size: int, num_workers: int, generator: torch.Generator) -> DataLoader:
    """A shuffling loader whose order depends only on `generator`."""
    dataset = make_dataset(examples, image_size, classes, generator)
    return DataLoader(
        dataset,
        batch_size=batch_size,
        shuffle=True,
        drop_last=True,
        num_workers=num_workers,
        # Workers are started once, not at every epoch (the order still comes from `generator`).
        persistent_workers=num_workers > 0,
        generator=generator,
        worker_init_fn=seed_worker,
    )
