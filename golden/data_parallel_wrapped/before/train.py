import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self, in_features=10, hidden=16, num_classes=3):
        super().__init__()
        self.num_classes = num_classes
        self.backbone = nn.Sequential(
            nn.Linear(in_features, hidden),
            nn.BatchNorm1d(hidden),
            nn.ReLU(),
        )
        self.fc = nn.Linear(hidden, num_classes)
        self.loss_fct = nn.CrossEntropyLoss()

    def forward(self, x, labels):
        logits = self.fc(self.backbone(x))
        loss = self.loss_fct(logits.view(-1, self.num_classes), labels.view(-1))
        return loss


def main():
    torch.manual_seed(0)
    model = nn.DataParallel(Net())
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)

    x = torch.randn(8, 10)
    y = torch.randint(0, 3, (8,))

    model.train()
    for step in range(3):
        optimizer.zero_grad()
        loss = model(x, y)
        # DataParallel returns one loss per replica; average them
        loss = loss.mean()
        loss.backward()
        optimizer.step()
        print(f"step {step} loss {loss.item():.6f}")


if __name__ == "__main__":
    main()
