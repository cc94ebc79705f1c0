import torch
import torch.nn as nn
import torch.nn.functional as F


class Tagger(nn.Module):
    def __init__(self):
        super().__init__()
        self.proj = nn.Linear(5, 4)

    def forward(self, feats):
        scores = self.proj(feats)
        return scores


torch.manual_seed(3)
tagger = Tagger()
opt = torch.optim.Adam(tagger.parameters(), lr=0.05)
feats = torch.randn(6, 5)
tags = torch.randint(0, 4, (6,))
for epoch in range(3):
    opt.zero_grad()
    scores = tagger(feats)
    loss = F.cross_entropy(scores, tags)
    loss.backward()
    opt.step()
    print(f"epoch {epoch} loss {loss.item():.6f} confidence {scores.softmax(-1).max().item():.6f}")

tagger.eval()
with torch.no_grad():
    scores = tagger(feats)
    result = {"confidence": scores.softmax(-1), "loss": F.cross_entropy(scores, tags)}
print(f"eval loss {result['loss'].item():.6f} confidence {result['confidence'].max().item():.6f}")
print("keys", list(result))
