from dataclasses import dataclass
from typing import Optional

import torch
from torch import nn


@dataclass
class RankOutput:
    loss: Optional[torch.Tensor] = None
    scores: Optional[torch.Tensor] = None


class Ranker(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 1)

    def forward(self, items, labels=None):
        scores = self.fc(items).squeeze(-1)
        loss = None
        if labels is not None:
            loss = nn.functional.mse_loss(scores, labels)
        return RankOutput(loss=loss, scores=scores)


torch.manual_seed(9)
ranker = Ranker()
items = torch.randn(5, 3)
targets = torch.randn(5)
out = ranker(items, labels=targets)
out.loss.backward()
print(f"loss {out.loss.item():.6f}")
with torch.no_grad():
    top = ranker(items).scores.argmax().item()
print("top", top)
