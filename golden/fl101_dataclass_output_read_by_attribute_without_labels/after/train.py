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

    def forward(self, items):
        scores = self.fc(items).squeeze(-1)
        return scores


torch.manual_seed(9)
ranker = Ranker()
items = torch.randn(5, 3)
targets = torch.randn(5)
scores_2 = ranker(items)
loss_2 = nn.functional.mse_loss(scores_2, targets)
loss_2.backward()
print(f"loss {loss_2.item():.6f}")
with torch.no_grad():
    top = ranker(items).argmax().item()
print("top", top)
