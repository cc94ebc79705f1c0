import torch
from torch.utils.data import Dataset

PAD_ID = 0


class ToyReviews(Dataset):
    """Random token sequences of varying length with a binary sentiment label."""

    def __init__(self, n_examples=24, vocab_size=50, max_len=12, seed=1234):
        g = torch.Generator().manual_seed(seed)
        self.examples = []
        for _ in range(n_examples):
            length = int(torch.randint(3, max_len + 1, (1,), generator=g))
            tokens = torch.randint(1, vocab_size, (length,), generator=g)
            label = int(torch.randint(0, 2, (1,), generator=g))
            self.examples.append((tokens, label))

    def __len__(self):
        return len(self.examples)

    def __getitem__(self, idx):
        tokens, label = self.examples[idx]
        return {"tokens": tokens, "label": label}


def collate_fn(features):
    max_len = max(len(f["tokens"]) for f in features)
    input_ids = torch.full((len(features), max_len), PAD_ID, dtype=torch.long)
    attention_mask = torch.zeros((len(features), max_len), dtype=torch.long)
    for i, f in enumerate(features):
        n = len(f["tokens"])
        input_ids[i, :n] = f["tokens"]
        attention_mask[i, :n] = 1
    return {
        "input_ids": input_ids,
        "attention_mask": attention_mask,
        "labels": torch.tensor([f["label"] for f in features]),
    }
