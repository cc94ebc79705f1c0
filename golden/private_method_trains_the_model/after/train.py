import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 3)

    def forward(self, x):
        logits = self.fc(x)
        return logits


class Runner:
    def __init__(self, steps=3):
        self.steps = steps

    def _build(self):
        net = Net()
        return net

    def _fit(self, model, x, y):
        optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
        for step in range(self.steps):
            optimizer.zero_grad()
            logits = model(x)
            loss = nn.functional.cross_entropy(logits, y)
            loss.backward()
            optimizer.step()
            print(f"step {step} loss {loss.item():.6f}")

    def run(self, x, y):
        model = self._build()
        self._fit(model, x, y)


torch.manual_seed(0)
x = torch.randn(8, 4)
y = torch.randint(0, 3, (8,))
Runner().run(x, y)
