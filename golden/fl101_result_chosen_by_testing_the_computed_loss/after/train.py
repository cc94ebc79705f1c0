import torch
import torch.nn as nn
import torch.nn.functional as F


class Regressor(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(3, 8), nn.SiLU(), nn.Linear(8, 1))

    def forward(self, x, targets=None):
        prediction = self.net(x).squeeze(-1)
        return prediction


torch.manual_seed(12)
model = Regressor()
optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
x = torch.randn(10, 3)
y = x.sum(-1)
for epoch in range(3):
    prediction = model(x)
    loss = -(-F.smooth_l1_loss(prediction, y))
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    print(f"epoch {epoch} loss {loss.item():.6f}")
with torch.no_grad():
    print("mean prediction", round(model(x).mean().item(), 6))
