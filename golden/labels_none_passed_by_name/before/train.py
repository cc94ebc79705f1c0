import torch
from torch import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 3)

    def forward(self, x, labels=None):
        logits = self.fc(x)
        loss = None
        if labels is not None:
            loss = nn.functional.cross_entropy(logits, labels)
        return loss, logits


def predict(model, x):
    _, logits = model(x, labels=None)
    return logits.argmax(-1)


torch.manual_seed(8)
model = Net()
x = torch.randn(5, 4)
y = torch.tensor([0, 1, 2, 0, 1])
loss, _ = model(x, labels=y)
loss.backward()
print(f"loss {loss.item():.6f}")
out = model(x, labels=None)
print(f"logits {out[1].sum().item():.6f}")
model(x, labels=None)
print("predicted", predict(model, x).tolist())
