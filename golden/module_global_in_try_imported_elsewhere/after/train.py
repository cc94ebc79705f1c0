import torch

from model import MODEL
from torch import nn


def scores(x, y):
    logits = MODEL(x)
    return logits


optimizer = torch.optim.SGD(MODEL.parameters(), lr=0.1)
x = torch.randn(8, 4)
y = torch.randint(0, 3, (8,))
for step in range(3):
    logits = MODEL(x)
    loss = nn.functional.cross_entropy(logits, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    print(f"step {step} loss {loss.item():.6f}")
print(f"scores {scores(x, y).sum().item():.6f}")
