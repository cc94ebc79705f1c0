import torch.nn as nn
import torch.nn.functional as F


class BagClassifier(nn.Module):
    def __init__(self, vocab=30, dim=8, classes=3):
        super().__init__()
        self.embed = nn.EmbeddingBag(vocab, dim)
        self.head = nn.Linear(dim, classes)

    def forward(self, input_ids, attention_mask, labels=None):
        pooled = self.embed(input_ids * attention_mask)
        logits = self.head(pooled)
        loss = None
        if labels is not None:
            loss = nn.CrossEntropyLoss()(logits, labels)
        return {"loss": loss, "logits": logits}


class Tagger(nn.Module):
    def __init__(self, dim=6, tags=4):
        super().__init__()
        self.proj = nn.Linear(dim, tags)

    def forward(self, features, labels=None):
        scores = self.proj(features)
        if labels is None:
            return None, scores
        return F.cross_entropy(scores, labels, label_smoothing=0.05), scores
