import torch
import torch.nn as nn


class Classifier(nn.Module):
    def __init__(self, dim=10, classes=3):
        super().__init__()
        self.fc = nn.Linear(dim, classes)

    def forward(self, x):
        logits = self.fc(x)
        return logits


def main():
    torch.manual_seed(0)
    model = Classifier()
    baseline = nn.Linear(10, 3)
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    x = torch.randn(6, 10)
    y = torch.randint(0, 3, (6,))
    print(f"baseline loss {criterion(baseline(x), y).item():.6f}")
    for step in range(3):
        optimizer.zero_grad()
        logits = model(x)
        loss = criterion(logits, y)
        loss.backward()
        optimizer.step()
        print(f"step {step} loss {loss.item():.6f}")


if __name__ == "__main__":
    main()
