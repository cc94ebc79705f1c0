import torch
import torch.nn as nn
import torch.nn.functional as F


class Ranker(nn.Module):
    def __init__(self):
        super().__init__()
        self.score = nn.Linear(5, 4)

    def forward(self, items, labels=None):
        scores = self.score(items)
        loss = 0.0
        if labels is not None:
            loss = F.cross_entropy(scores, labels)
        probabilities = scores.softmax(-1)
        return loss, probabilities


torch.manual_seed(21)
ranker = Ranker()
optimizer = torch.optim.SGD(ranker.parameters(), lr=0.3)
items, choices = torch.randn(9, 5), torch.randint(0, 4, (9,))
for step in range(3):
    loss, probabilities = ranker(items, labels=choices)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    print(f"step {step} loss {loss.item():.6f}")

ranker.eval()
with torch.no_grad():
    unscored, probabilities = ranker(items)
print("unscored loss", unscored, "top choice", probabilities.argmax(-1).tolist())
