import torch
import torch.nn as nn
import torch.nn.functional as F

from serve import score_batch


class Ranker(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(4, 3)

    def forward(self, feats, labels=None):
        logits = self.lin(feats)
        if labels is not None:
            return F.cross_entropy(logits, labels)
        return logits


torch.manual_seed(2)
model = Ranker()
opt = torch.optim.SGD(model.parameters(), lr=0.1)
feats = torch.randn(6, 4)
labels = torch.randint(0, 3, (6,))
for step in range(2):
    opt.zero_grad()
    batch = {"feats": feats, "labels": labels}
    loss = model(**batch)
    loss.backward()
    opt.step()
    print(f"step {step} loss {loss.item():.6f}")
print(f"served {score_batch(model, {'feats': feats}).sum().item():.6f}")
