import torch
from torch import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 3)

    def forward(self, x):
        logits = self.fc(x)
        return logits


def predict(model, x):
    logits = model(x)
    return logits.argmax(-1)


torch.manual_seed(8)
model = Net()
x = torch.randn(5, 4)
y = torch.tensor([0, 1, 2, 0, 1])
logits = model(x)
loss = nn.functional.cross_entropy(logits, y)
loss.backward()
print(f"loss {loss.item():.6f}")
out = model(x)
print(f"logits {out.sum().item():.6f}")
model(x)
print("predicted", predict(model, x).tolist())
