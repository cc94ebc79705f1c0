import torch
import torch.nn as nn


class ConvNet(nn.Module):
    def __init__(self, num_classes=3):
        super().__init__()
        self.conv = nn.Conv1d(1, 4, kernel_size=3, padding=1)
        self.pool = nn.AdaptiveAvgPool1d(2)
        self.head = nn.Linear(8, num_classes)
        self.criterion = nn.CrossEntropyLoss()

    def forward(self, signal):
        h = torch.relu(self.conv(signal.unsqueeze(1)))
        h = self.pool(h).flatten(1)
        logits = self.head(h)
        return logits


def train_epoch(model, optimizer, signals, labels):
    for step in range(3):
        optimizer.zero_grad()
        logits = model(signals)
        loss = model.criterion(logits, labels)
        loss.backward()
        optimizer.step()
        print(f"step {step} loss {loss.item():.6f}")


def main():
    torch.manual_seed(0)
    signals = torch.randn(6, 12)
    labels = torch.randint(0, 3, (6,))
    model = ConvNet()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    train_epoch(model, optimizer, signals, labels)


if __name__ == "__main__":
    main()
