import torch
import torch.nn as nn

torch.manual_seed(0)


class Regressor(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Linear(5, 7)
        self.out = nn.Linear(7, 1)
        self.criterion = nn.SmoothL1Loss(beta=0.5)

    def forward(self, inputs, labels):
        pooled = torch.relu(self.body(inputs))
        preds = self.out(pooled).squeeze(-1)
        loss = self.criterion(preds, labels)
        return {"loss": loss, "preds": preds, "pooled": pooled}


def log_batch(step, outputs):
    print(f"step {step} " + " ".join(f"{key} {value.sum().item():.6f}" for key, value in outputs.items()))


net = Regressor()
optimizer = torch.optim.Adam(net.parameters(), lr=0.05)
inputs = torch.randn(12, 5)
targets = torch.randn(12)
for step in range(3):
    optimizer.zero_grad()
    out = net(inputs, targets)
    out["loss"].backward()
    optimizer.step()
    log_batch(step, out)
