import torch
from torch import nn


class Regressor(nn.Module):
    def __init__(self):
        super().__init__()
        self.layer = nn.Linear(3, 1)
        self.loss_fn = nn.SmoothL1Loss()

    def forward(self, inputs):
        preds = self.layer(inputs).squeeze(-1)
        return preds


def train_step(model, optimizer, inputs, labels):
    preds = model(inputs)
    loss = model.loss_fn(preds, labels)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss.item(), preds.mean().item()


torch.manual_seed(2)
model = Regressor()
optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
inputs = torch.randn(12, 3)
labels = inputs.sum(dim=1)
for step in range(4):
    loss, mean_pred = train_step(model, optimizer, inputs, labels)
    print(f"step {step} loss {loss:.6f} mean {mean_pred:.6f}")
