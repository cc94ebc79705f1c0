from dataclasses import dataclass
from typing import Optional

import torch
import torch.nn as nn


@dataclass
class RegressionOutput:
    loss: Optional[torch.Tensor]
    scores: torch.Tensor


class Regressor(nn.Module):
    def __init__(self, dim=6):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(dim, 8), nn.Tanh(), nn.Linear(8, 1))
        self.loss_fct = nn.SmoothL1Loss(beta=0.5)

    def forward(self, features):
        scores = self.body(features).squeeze(-1)
        return scores


def evaluate(model, features, targets):
    model.eval()
    with torch.no_grad():
        scores = model(features)
        loss = model.loss_fct(scores, targets.float())
    model.train()
    return loss.item(), scores.mean().item()


def main():
    torch.manual_seed(0)
    model = Regressor()
    optimizer = torch.optim.Adam(model.parameters(), lr=0.05)
    features = torch.randn(32, 6)
    targets = features.sum(-1) + 0.1 * torch.randn(32)
    for step in range(4):
        batch = slice(8 * step, 8 * step + 8)
        optimizer.zero_grad()
        scores = model(features[batch])
        loss = model.loss_fct(scores, targets[batch].float())
        loss.backward()
        optimizer.step()
        print(f"step {step} loss {loss.item():.6f}")
    eval_loss, mean_score = evaluate(model, features, targets)
    print(f"eval loss {eval_loss:.6f} mean score {mean_score:.6f}")


if __name__ == "__main__":
    main()
