import torch
import torch.nn as nn
import torch.nn.functional as F

from serve import score_batch


class Ranker(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(4, 3)

    def forward(self, feats):
        logits = self.lin(feats)
        return logits


torch.manual_seed(2)
model = Ranker()
opt = torch.optim.SGD(model.parameters(), lr=0.1)
feats = torch.randn(6, 4)
labels = torch.randint(0, 3, (6,))
for step in range(2):
    opt.zero_grad()
    batch = {"feats": feats, "labels": labels}
    logits = model(feats=batch["feats"])
    loss = F.cross_entropy(logits, batch["labels"])
    loss.backward()
    opt.step()
    print(f"step {step} loss {loss.item():.6f}")
print(f"served {score_batch(model, {'feats': feats}).sum().item():.6f}")
