import torch
from torch.utils.data import Dataset


class Sentences(Dataset):
    def __init__(self, n=16, seed=3):
        g = torch.Generator().manual_seed(seed)
        self.ids = torch.randint(1, 40, (n, 7), generator=g)
        self.mask = torch.ones(n, 7, dtype=torch.long)
        self.mask[:, 5:] = 0
        self.labels = torch.randint(0, 3, (n,), generator=g)

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        return {"input_ids": self.ids[i], "attention_mask": self.mask[i], "labels": self.labels[i]}
