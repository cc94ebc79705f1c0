import torch
import torch.nn as nn
import torch.nn.functional as F


class Regressor(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(6, 16), nn.Tanh(), nn.Linear(16, 1))

    def forward(self, x):
        preds = self.net(x).squeeze(-1)
        return preds


torch.manual_seed(0)
model = Regressor()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
x = torch.randn(8, 6)
y = torch.randn(8)
history = []
for step in range(3):
    optimizer.zero_grad()
    preds = model(x)
    out = {"loss": F.smooth_l1_loss(preds, y), "preds": preds}
    out["loss"].backward()
    optimizer.step()
    history.append(out)
    print(f"step {step} loss {out['loss'].item():.6f}")
print(f"kept {len(history)} outputs, last mean prediction {history[-1]['preds'].mean().item():.6f}")
