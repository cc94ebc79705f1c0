import torch
import torch.nn as nn
import torch.nn.functional as F


class Ranker(nn.Module):
    def __init__(self):
        super().__init__()
        self.score = nn.Linear(5, 4)

    def forward(self, items):
        scores = self.score(items)
        return scores


torch.manual_seed(21)
ranker = Ranker()
optimizer = torch.optim.SGD(ranker.parameters(), lr=0.3)
items, choices = torch.randn(9, 5), torch.randint(0, 4, (9,))
for step in range(3):
    scores = ranker(items)
    loss = F.cross_entropy(scores, choices)
    probabilities = scores.softmax(-1)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    print(f"step {step} loss {loss.item():.6f}")

ranker.eval()
with torch.no_grad():
    probabilities = ranker(items).softmax(-1)
    unscored = 0.0
print("unscored loss", unscored, "top choice", probabilities.argmax(-1).tolist())
