import torch
import torch.nn as nn


class BagOfWordsClassifier(nn.Module):
    """Averages token embeddings; reports class probabilities."""

    def __init__(self, vocab_size, dim, n_classes):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, dim)
        self.hidden = nn.Linear(dim, dim)
        self.out = nn.Linear(dim, n_classes)
        self.softmax = nn.Softmax(dim=-1)

    def forward(self, tokens):
        pooled = self.embedding(tokens).mean(dim=1)
        hidden = torch.tanh(self.hidden(pooled))
        logits = self.out(hidden)
        return logits


class PairScorer(nn.Module):
    """Scores a pair of feature vectors; trained by distillation, called without labels."""

    def __init__(self, dim):
        super().__init__()
        self.head = nn.Linear(2 * dim, 1)

    def forward(self, left, right):
        logits = self.head(torch.cat([left, right], dim=-1))
        return logits


class MarginRanker(nn.Module):
    """Returns the logits with labels, log-probabilities without."""

    def __init__(self, dim, n_classes):
        super().__init__()
        self.proj = nn.Linear(dim, n_classes)

    def forward(self, features):
        logits = self.proj(features)
        return logits
