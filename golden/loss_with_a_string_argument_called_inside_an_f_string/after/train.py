import torch
import torch.nn as nn
import torch.nn.functional as F


class Regressor(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 1)

    def forward(self, x):
        pred = self.fc(x).squeeze(-1)
        return pred


torch.manual_seed(0)
model = Regressor()
optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
x = torch.randn(16, 3)
targets = x.sum(-1)
for step in range(3):
    optimizer.zero_grad()
    pred = model(x)
    loss = F.mse_loss(pred, targets, reduction="sum")
    loss.backward()
    optimizer.step()
with torch.no_grad():
    pred = model(x)
    print(f"final loss {F.mse_loss(pred, targets, reduction='sum').item():.6f}")
