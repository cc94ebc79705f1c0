import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)


def masked_loss(logits, labels):
    if labels is None:
        return logits.new_zeros(())
    return F.cross_entropy(logits, labels)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Linear(4, 6)
        self.head = nn.Linear(6, 3)

    def forward(self, x, labels=None):
        hidden = torch.relu(self.body(x))
        logits = self.head(hidden)
        loss = masked_loss(logits, labels)
        return loss, logits, hidden


model = Net()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
x, y = torch.randn(8, 4), torch.randint(0, 3, (8,))
for step in range(2):
    optimizer.zero_grad()
    loss, logits, hidden = model(x, y)
    loss.backward()
    optimizer.step()
    print(f"step {step} loss {loss.item():.6f}")

with torch.no_grad():
    zero, logits, hidden = model(x)
print(f"inference {zero.item():.6f} {logits.argmax(-1).tolist()} {hidden.sum().item():.6f}")
