import torch
from torch.utils.data import Dataset


class Tokens(Dataset):
    def __init__(self, n=16, seq_len=8, vocab=40, classes=3):
        g = torch.Generator().manual_seed(7)
        self.ids = torch.randint(1, vocab, (n, seq_len), generator=g)
        self.labels = torch.randint(0, classes, (n,), generator=g)

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        return {"input_ids": self.ids[i], "attention_mask": torch.ones_like(self.ids[i]), "labels": self.labels[i]}
