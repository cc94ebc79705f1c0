import torch
import torch.nn as nn
import torch.nn.functional as F


class Tagger(nn.Module):
    def __init__(self):
        super().__init__()
        self.proj = nn.Linear(5, 4)

    def forward(self, feats, labels):
        scores = self.proj(feats)
        loss = F.cross_entropy(scores, labels)
        confidence = scores.softmax(-1)
        return {"confidence": confidence, "loss": loss}


torch.manual_seed(3)
tagger = Tagger()
opt = torch.optim.Adam(tagger.parameters(), lr=0.05)
feats = torch.randn(6, 5)
tags = torch.randint(0, 4, (6,))
for epoch in range(3):
    opt.zero_grad()
    result = tagger(feats, tags)
    result["loss"].backward()
    opt.step()
    print(f"epoch {epoch} loss {result['loss'].item():.6f} confidence {result['confidence'].max().item():.6f}")

tagger.eval()
with torch.no_grad():
    result = tagger(feats, tags)
print(f"eval loss {result['loss'].item():.6f} confidence {result['confidence'].max().item():.6f}")
print("keys", list(result))
