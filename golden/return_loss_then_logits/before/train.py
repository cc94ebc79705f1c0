import torch
import torch.nn as nn
import torch.nn.functional as F


class TextClassifier(nn.Module):
    def __init__(self, vocab_size, hidden, num_classes):
        super().__init__()
        self.embed = nn.EmbeddingBag(vocab_size, hidden)
        self.fc = nn.Linear(hidden, num_classes)

    def forward(self, x, labels):
        logits = self.fc(torch.relu(self.embed(x)))
        loss = F.cross_entropy(logits, labels)
        return loss, logits


def main():
    torch.manual_seed(0)
    model = TextClassifier(vocab_size=30, hidden=12, num_classes=3)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.5)

    x = torch.randint(0, 30, (6, 5))
    y = torch.randint(0, 3, (6,))

    for step in range(3):
        optimizer.zero_grad()
        loss, logits = model(x, y)
        loss.backward()
        optimizer.step()
        acc = (logits.argmax(dim=-1) == y).float().mean()
        print(f"step {step} loss {loss.item():.6f} acc {acc.item():.4f}")


if __name__ == "__main__":
    main()
