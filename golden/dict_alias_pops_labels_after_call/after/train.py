import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 3)

    def forward(self, x):
        logits = self.fc(x)
        return logits


torch.manual_seed(0)
model = Net()
x = torch.randn(8, 4)
y = torch.randint(0, 3, (8,))
batch = {"x": x, "labels": y}
logits = model(x=batch["x"])
loss = nn.functional.cross_entropy(logits, batch["labels"]).item()
print(f"loss {loss:.6f}")
b = batch
del b["labels"]
out = model(**b)
total = out.sum().item()
print(f"logits {total:.6f}")
