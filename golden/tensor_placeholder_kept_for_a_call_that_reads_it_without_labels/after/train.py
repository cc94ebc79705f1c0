import torch
from torch import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 2)

    def forward(self, x):
        logits = self.fc(x)
        return torch.tensor(0.0), logits


torch.manual_seed(6)
model = Net()
x = torch.randn(6, 4)
y = torch.randint(0, 2, (6,))
loss, logits_2 = model(x)
loss = nn.functional.cross_entropy(logits_2, y)
loss.backward()
print(f"train loss {loss.item():.6f}")
eval_loss, logits = model(x)
print(f"eval loss {eval_loss.item():.6f} logits {logits.sum().item():.6f}")
