import torch
import torch.nn as nn
import torch.nn.functional as F


class Classifier(nn.Module):
    def __init__(self, in_dim, hidden, n_classes):
        super().__init__()
        self.encoder = nn.Linear(in_dim, hidden)
        self.head = nn.Linear(hidden, n_classes)

    def forward(self, x, labels):
        logits = self.head(torch.relu(self.encoder(x)))
        return F.cross_entropy(logits, labels)


def train_epoch(model, batches, optimizer):
    model.train()
    for step, (x, y) in enumerate(batches):
        optimizer.zero_grad()
        loss = model(x, y).mean()
        loss.backward()
        optimizer.step()
        print(f"step {step} loss {loss.item():.6f}")


def evaluate(model, batches):
    model.eval()
    total = 0.0
    with torch.no_grad():
        for x, y in batches:
            total += model(x, y).item()
    return total / len(batches)


def main():
    torch.manual_seed(0)
    train_batches = [(torch.randn(4, 6), torch.randint(0, 3, (4,))) for _ in range(3)]
    eval_batches = [(torch.randn(4, 6), torch.randint(0, 3, (4,))) for _ in range(2)]

    model = Classifier(6, 12, 3)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    train_epoch(model, train_batches, optimizer)
    eval_loss = evaluate(model, eval_batches)
    print(f"eval loss {eval_loss:.6f}")


if __name__ == "__main__":
    main()
