import torch
from torch import nn


class Regressor(nn.Module):
    def __init__(self):
        super().__init__()
        self.layer = nn.Linear(3, 1)
        self.loss_fn = nn.SmoothL1Loss()

    def forward(self, inputs, labels):
        outputs = {}
        preds = self.layer(inputs).squeeze(-1)
        outputs["preds"] = preds
        outputs.update(loss=self.loss_fn(preds, labels))
        return outputs


def train_step(model, optimizer, inputs, labels):
    out = model(inputs, labels)
    optimizer.zero_grad()
    out["loss"].backward()
    optimizer.step()
    return out["loss"].item(), out["preds"].mean().item()


torch.manual_seed(2)
model = Regressor()
optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
inputs = torch.randn(12, 3)
labels = inputs.sum(dim=1)
for step in range(4):
    loss, mean_pred = train_step(model, optimizer, inputs, labels)
    print(f"step {step} loss {loss:.6f} mean {mean_pred:.6f}")
