import torch
from torch import nn


class Scorer(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(5, 3)

    def forward(self, features, *, labels):
        scores = self.fc(features)
        loss = nn.functional.cross_entropy(scores, labels)
        return loss, scores


torch.manual_seed(0)
model = Scorer()
optimizer = torch.optim.SGD(model.parameters(), lr=0.3)
for step in range(3):
    features = torch.randn(6, 5)
    optimizer.zero_grad()
    loss, _ = model(features, labels=torch.tensor([0, 1, 2, 0, 1, 2]))
    loss.backward()
    optimizer.step()
    print(f"step {step} loss {loss.item():.6f}")
