import torch
import torch.nn as nn
import torch.nn.functional as F


class Scorer(nn.Module):
    def __init__(self, vocab=20, dim=8):
        super().__init__()
        self.embed = nn.Embedding(vocab, dim)
        self.head = nn.Linear(dim, 1)

    def forward(self, tokens, labels=None):
        scores = self.head(self.embed(tokens).mean(1)).squeeze(-1)
        loss = None
        if labels is not None:
            loss = F.binary_cross_entropy_with_logits(scores, labels)
        scores = scores.sigmoid()
        result = {"scores": scores}
        if loss is not None:
            result["loss"] = loss
        return result


torch.manual_seed(2)
scorer = Scorer()
optimizer = torch.optim.Adam(scorer.parameters(), lr=0.05)
tokens = torch.randint(0, 20, (6, 5))
targets = torch.randint(0, 2, (6,)).float()
for step in range(3):
    result = scorer(tokens, labels=targets)
    optimizer.zero_grad()
    result["loss"].backward()
    optimizer.step()
    print(f"step {step} loss {result['loss'].item():.6f} mean score {result['scores'].mean().item():.6f}")

scorer.eval()
with torch.no_grad():
    probabilities = scorer(tokens)["scores"]
print("predicted", (probabilities > 0.5).int().tolist())
