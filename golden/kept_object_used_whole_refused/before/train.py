import torch
from torch import nn


class Result:
    def __init__(self, logits, hidden, loss=None):
        self.logits = logits
        self.hidden = hidden
        self.loss = loss


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Linear(4, 5)
        self.head = nn.Linear(5, 2)

    def forward(self, x, labels=None):
        hidden = self.body(x).relu()
        logits = self.head(hidden)
        loss = None
        if labels is not None:
            loss = nn.functional.cross_entropy(logits, labels)
        return Result(logits, hidden, loss)


def report(result):
    print(f"loss {result.loss.item():.6f} hidden {result.hidden.sum().item():.6f}")


torch.manual_seed(2)
net = Net()
x = torch.randn(6, 4)
y = torch.randint(0, 2, (6,))
report(net(x, y))
print("hidden", net(x).hidden.sum().item())
