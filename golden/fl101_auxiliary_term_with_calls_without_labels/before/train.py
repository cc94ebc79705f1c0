import torch
import torch.nn as nn
import torch.nn.functional as F


class RouterClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.gate = nn.Linear(5, 2)
        self.experts = nn.ModuleList([nn.Linear(5, 3), nn.Linear(5, 3)])

    def forward(self, x, labels=None):
        weights = self.gate(x).softmax(-1)
        logits = sum(weights[:, i : i + 1] * expert(x) for i, expert in enumerate(self.experts))
        balance = (weights.mean(0) - 0.5).pow(2).sum()
        loss = None
        if labels is not None:
            loss = F.cross_entropy(logits, labels) + 0.1 * balance
        return {"loss": loss, "logits": logits}


torch.manual_seed(8)
model = RouterClassifier()
optimizer = torch.optim.SGD(model.parameters(), lr=0.2)
x, y = torch.randn(12, 5), torch.randint(0, 3, (12,))
for step in range(3):
    out = model(x, labels=y)
    optimizer.zero_grad()
    out["loss"].backward()
    optimizer.step()
    print(f"step {step} loss {out['loss'].item():.6f}")
print("predictions", model(x)["logits"].argmax(-1).tolist())
