import torch
import torch.nn as nn
import torch.nn.functional as F


class Scorer(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Linear(6, 5)
        self.head = nn.Linear(5, 4)

    def forward(self, features):
        hidden = torch.relu(self.body(features))
        scores = self.head(hidden)
        return scores


torch.manual_seed(1)
scorer = Scorer()
optimizer = torch.optim.Adam(scorer.parameters(), lr=0.01)
features = torch.randn(10, 6)
targets = torch.randint(0, 4, (10,))
for epoch in range(3):
    scores = scorer(features)
    loss = F.cross_entropy(scores, targets, label_smoothing=0.1)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    print(f"epoch {epoch} loss {loss.item():.6f}")
with torch.no_grad():
    best = scorer(features).argmax(dim=-1)
print("predicted", best.tolist())
