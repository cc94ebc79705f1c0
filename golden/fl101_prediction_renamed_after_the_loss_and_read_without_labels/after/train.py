import torch
import torch.nn as nn
import torch.nn.functional as F


class Scorer(nn.Module):
    def __init__(self, vocab=20, dim=8):
        super().__init__()
        self.embed = nn.Embedding(vocab, dim)
        self.head = nn.Linear(dim, 1)

    def forward(self, tokens):
        scores = self.head(self.embed(tokens).mean(1)).squeeze(-1)
        return scores


torch.manual_seed(2)
scorer = Scorer()
optimizer = torch.optim.Adam(scorer.parameters(), lr=0.05)
tokens = torch.randint(0, 20, (6, 5))
targets = torch.randint(0, 2, (6,)).float()
for step in range(3):
    scores = scorer(tokens)
    loss = F.binary_cross_entropy_with_logits(scores, targets)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    print(f"step {step} loss {loss.item():.6f} mean score {scores.sigmoid().mean().item():.6f}")

scorer.eval()
with torch.no_grad():
    probabilities = scorer(tokens).sigmoid()
print("predicted", (probabilities > 0.5).int().tolist())
