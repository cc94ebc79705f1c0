import torch
import torch.nn as nn
import torch.nn.functional as F


class BagOfWordsClassifier(nn.Module):
    """Averages token embeddings; reports class probabilities."""

    def __init__(self, vocab_size, dim, n_classes):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, dim)
        self.hidden = nn.Linear(dim, dim)
        self.out = nn.Linear(dim, n_classes)
        self.softmax = nn.Softmax(dim=-1)

    def forward(self, tokens, labels=None):
        pooled = self.embedding(tokens).mean(dim=1)
        hidden = torch.tanh(self.hidden(pooled))
        logits = self.out(hidden)
        probs = self.softmax(logits)

        if labels is not None:
            labels = labels.long()
            loss_fct = nn.CrossEntropyLoss(label_smoothing=0.1)
            loss = loss_fct(logits, labels)
            return loss, probs
        else:
            return probs


class PairScorer(nn.Module):
    """Scores a pair of feature vectors; trained by distillation, called without labels."""

    def __init__(self, dim):
        super().__init__()
        self.head = nn.Linear(2 * dim, 1)

    def forward(self, left, right, labels=None):
        logits = self.head(torch.cat([left, right], dim=-1))
        prob = torch.sigmoid(logits)
        if labels is not None:
            labels = labels.float()
            loss = torch.log(prob[:, 0] + 1e-10) * labels + torch.log((1 - prob)[:, 0] + 1e-10) * (1 - labels)
            loss = -loss.mean()
            return loss, prob
        else:
            return logits


class MarginRanker(nn.Module):
    """Returns the logits with labels, log-probabilities without."""

    def __init__(self, dim, n_classes):
        super().__init__()
        self.proj = nn.Linear(dim, n_classes)

    def forward(self, features, labels=None):
        logits = self.proj(features)
        log_probs = F.log_softmax(logits, dim=-1)
        if labels is not None:
            loss = F.multi_margin_loss(logits, labels)
            return loss, logits
        return log_probs
