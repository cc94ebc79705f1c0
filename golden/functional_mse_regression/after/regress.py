import torch
import torch.nn as nn
import torch.nn.functional as F


class ScoreRegressor(nn.Module):
    """Predicts a scalar quality score from a pooled token representation."""

    def __init__(self, vocab_size: int = 32, hidden: int = 12):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, hidden)
        self.proj = nn.Linear(hidden, hidden)
        self.regressor = nn.Linear(hidden, 1)

    def forward(self, input_ids):
        pooled = self.embedding(input_ids).mean(dim=1)
        preds = self.regressor(F.silu(self.proj(pooled)))
        return preds


def main():
    torch.manual_seed(0)
    input_ids = torch.randint(0, 32, (6, 5))
    scores = torch.randint(0, 5, (6,))  # integer ratings 0..4

    model = ScoreRegressor()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05)

    for step in range(3):
        optimizer.zero_grad()
        preds = model(input_ids)
        loss = F.mse_loss(preds.squeeze(-1), scores.float())
        loss.backward()
        optimizer.step()
        print(f"step {step} loss {loss.item():.6f}")


if __name__ == "__main__":
    main()
