import torch
import torch.nn as nn
import torch.nn.functional as F


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 4)

    def forward(self, x):
        logits = self.fc(x)
        return logits


torch.manual_seed(0)
model = Net()
model.eval()

with torch.no_grad():
    for step in range(3):
        x = torch.randn(8, 8)
        y = torch.randint(0, 4, (8,))
        logits = model(x)
        loss = F.cross_entropy(logits, y)
        y[0] = 3  # relabel one example for the next phase: the loss above was on the labels as given
        print(f"step {step} loss {loss.item():.6f}")
