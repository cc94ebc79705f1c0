import torch.nn as nn


class BagClassifier(nn.Module):
    def __init__(self, vocab=30, dim=8, classes=3):
        super().__init__()
        self.embed = nn.EmbeddingBag(vocab, dim)
        self.head = nn.Linear(dim, classes)

    def forward(self, input_ids, attention_mask):
        pooled = self.embed(input_ids * attention_mask)
        logits = self.head(pooled)
        return logits


class Tagger(nn.Module):
    def __init__(self, dim=6, tags=4):
        super().__init__()
        self.proj = nn.Linear(dim, tags)

    def forward(self, features):
        scores = self.proj(features)
        return scores
