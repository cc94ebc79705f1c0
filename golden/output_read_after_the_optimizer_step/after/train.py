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

    def forward(self, feats):
        scores = self.proj(feats)
        return scores


def fit(tagger, feats, tags):
    opt = torch.optim.Adam(tagger.parameters(), lr=0.05)
    for epoch in range(3):
        opt.zero_grad()
        scores = tagger(feats)
        loss = F.cross_entropy(scores, tags)
        loss.backward()
        opt.step()
        print(f"epoch {epoch} loss {loss.item():.6f} confidence {scores.softmax(-1).max().item():.6f}")


def evaluate(tagger, feats, tags):
    tagger.eval()
    with torch.no_grad():
        scores = tagger(feats)
        loss = F.cross_entropy(scores, tags)
    print(f"eval loss {loss.item():.6f} confidence {scores.softmax(-1).max().item():.6f}")


torch.manual_seed(3)
tagger = Tagger()
feats = torch.randn(6, 5)
tags = torch.randint(0, 4, (6,))
fit(tagger, feats, tags)
evaluate(tagger, feats, tags)
