import torch
import torch.nn as nn
import torch.nn.functional as F


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 3)
        self.drop = nn.Dropout(0.25)

    def forward(self, x, labels):
        logits = self.fc(x)
        loss = F.cross_entropy(self.drop(logits), labels)
        return {"loss": loss, "logits": logits}


torch.manual_seed(0)
model = Net()
x = torch.randn(8, 4)
y = torch.randint(0, 3, (8,))
out = model(x, y)
print(f"loss {out['loss'].item():.6f}")
scores = model(x, y)["logits"]
print(f"scores {scores.sum().item():.6f}")
print(f"next draw {torch.rand(1).item():.6f}")
