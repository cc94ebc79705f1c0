from dataclasses import dataclass
from typing import Optional

import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclass
class TaggerOutput:
    loss: Optional[torch.Tensor] = None
    confidence: Optional[torch.Tensor] = None


class Tagger(nn.Module):
    def __init__(self):
        super().__init__()
        self.proj = nn.Linear(5, 4)

    def forward(self, feats, labels=None):
        scores = self.proj(feats)
        loss = None
        if labels is not None:
            loss = F.cross_entropy(scores, labels)
        confidence = scores.softmax(-1)
        return TaggerOutput(loss=loss, confidence=confidence)


def fit(tagger, feats, tags):
    opt = torch.optim.Adam(tagger.parameters(), lr=0.05)
    for epoch in range(3):
        opt.zero_grad()
        result = tagger(feats, tags)
        result.loss.backward()
        opt.step()
        print(f"epoch {epoch} loss {result.loss.item():.6f} confidence {result.confidence.max().item():.6f}")


def evaluate(tagger, feats, tags):
    tagger.eval()
    with torch.no_grad():
        result = tagger(feats, tags)
    print(f"eval loss {result.loss.item():.6f} confidence {result.confidence.max().item():.6f}")


torch.manual_seed(3)
tagger = Tagger()
feats = torch.randn(6, 5)
tags = torch.randint(0, 4, (6,))
fit(tagger, feats, tags)
evaluate(tagger, feats, tags)
