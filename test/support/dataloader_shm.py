"""A PyTorch DataLoader as a training job runs it: 4 worker processes passing batches of
64 images (3x224x224, float32, about 37 MiB each) to the main process through /dev/shm.
Prints the samples read and exits 0, or dies as PyTorch does when /dev/shm is too small."""
import sys

import torch
from torch.utils.data import DataLoader, Dataset


class Images(Dataset):
    def __len__(self):
        return 64 * 16

    def __getitem__(self, i):
        return torch.full((3, 224, 224), float(i % 7)), i % 10


if __name__ == "__main__":
    workers = int(sys.argv[1]) if len(sys.argv) > 1 else 4
    seen = sum(x.shape[0] for x, _ in DataLoader(Images(), batch_size=64, num_workers=workers))
    print(f"read {seen} samples with {workers} workers")
