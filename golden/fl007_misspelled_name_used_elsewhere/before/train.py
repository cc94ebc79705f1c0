import torch
import torch.nn as nn


class Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.proj = nn.Linear(6, 3)

    def forwrd(self, x):
        return self.proj(x)


torch.manual_seed(0)
encoder = Encoder()
x = torch.randn(4, 6)
target = torch.randn(4, 3)
optimizer = torch.optim.SGD(encoder.parameters(), lr=0.1)
for step in range(3):
    optimizer.zero_grad()
    loss = ((encoder.forwrd(x) - target) ** 2).mean()
    loss.backward()
    optimizer.step()
    print(f"step {step} loss {loss.item():.6f}")
