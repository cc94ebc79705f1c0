import torch.nn as nn
import torch.nn.functional as F


class Tagger(nn.Module):
    """Sequence-level tagger written HF-style: the loss only when labels are given."""

    def __init__(self, vocab=40, dim=12, tags=3):
        super().__init__()
        self.embed = nn.EmbeddingBag(vocab, dim)
        self.out = nn.Linear(dim, tags)

    def forwad(self, input_ids, labels=None):
        logits = self.out(self.embed(input_ids))
        loss = F.cross_entropy(logits, labels) if labels is not None else None
        return {"loss": loss, "logits": logits}


class TextClassifier(nn.Module):
    def __init__(self, vocab=40, dim=12, num_labels=3):
        super().__init__()
        self.embed = nn.Embedding(vocab, dim)
        self.head = nn.Linear(dim, num_labels)

    def forward(self, input_ids, attention_mask):
        mask = attention_mask.unsqueeze(-1).float()
        return self.head((self.embed(input_ids) * mask).sum(1) / mask.sum(1))
