import torch
import torch.nn as nn


class Scorer(nn.Module):
    def __init__(self):
        super().__init__()
        self.proj = nn.Linear(6, 1)
        self.loss_fn = nn.BCEWithLogitsLoss()

    def forward(self, tokens, label):
        score = self.proj(tokens).squeeze(-1)
        loss = self.loss_fn(score, label.float())
        return score, loss


torch.manual_seed(0)
model = Scorer()
optimizer = torch.optim.Adam(model.parameters(), lr=0.05)
tokens = torch.randn(10, 6)
y = torch.randint(0, 2, (10,))
for step in range(3):
    optimizer.zero_grad()
    batch = {"tokens": tokens, "label": y}
    score, loss = model(**batch)
    loss.backward()
    optimizer.step()
    print(f"step {step} loss {loss.item():.6f}")
_, held_out = model(tokens, y)
print(f"held-out {held_out.item():.6f}")
