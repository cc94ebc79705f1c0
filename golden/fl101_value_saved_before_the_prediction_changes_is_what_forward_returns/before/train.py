import torch
import torch.nn.functional as F
from torch import nn


class Scorer(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 1)

    def forward(self, x, labels=None):
        h = self.fc(x).squeeze(-1)
        raw = h
        h = torch.tanh(h)
        if labels is None:
            return raw
        return F.binary_cross_entropy_with_logits(h, labels)


torch.manual_seed(8)
model = Scorer()
x = torch.randn(6, 4)
y = torch.randint(0, 2, (6,)).float()
loss = model(x, y)
loss.backward()
print(f"loss {loss.item():.6f} raw {model(x).sum().item():.6f}")
