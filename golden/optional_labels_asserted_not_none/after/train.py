import torch
from torch import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 3)

    def forward(self, x):
        logits = self.fc(x)
        return logits


def batches(n):
    for _ in range(n):
        yield torch.randn(4, 4), torch.randint(0, 3, (4,))


torch.manual_seed(11)
model = Net()
for x, y in batches(3):
    assert y is not None
    logits = model(x)
    loss = nn.functional.cross_entropy(logits, y)
    loss.backward()
    print(f"loss {loss.item():.6f}")
