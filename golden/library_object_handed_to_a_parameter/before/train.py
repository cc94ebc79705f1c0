import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 3)

    def forward(self, x, labels=None):
        logits = self.fc(x)
        if labels is None:
            return torch.softmax(logits, dim=-1)
        return nn.functional.cross_entropy(logits, labels), logits


def features(x, processor):
    return processor(x)


class Dataset:
    def __init__(self, rows):
        self.transform = nn.Sequential(nn.Flatten(), nn.Identity())
        self.rows = [features(row, self.transform) for row in rows]


torch.manual_seed(0)
data = Dataset(torch.randn(2, 8, 4))
model = Net()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
y = torch.randint(0, 3, (8,))
for step in range(3):
    loss, logits = model(data.rows[0], y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    print(f"step {step} loss {loss.item():.6f} logits {logits.sum().item():.6f}")
