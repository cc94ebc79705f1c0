import torch
from torch import nn


class Scorer(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(5, 3)

    def forward(self, features):
        scores = self.fc(features)
        return scores


torch.manual_seed(0)
model = Scorer()
optimizer = torch.optim.SGD(model.parameters(), lr=0.3)
for step in range(3):
    features = torch.randn(6, 5)
    optimizer.zero_grad()
    scores = model(features)
    loss = nn.functional.cross_entropy(scores, torch.tensor([0, 1, 2, 0, 1, 2]))
    loss.backward()
    optimizer.step()
    print(f"step {step} loss {loss.item():.6f}")
