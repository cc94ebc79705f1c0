import torch
import torch.nn as nn
import torch.nn.functional as F

device = torch.device("cpu")


class Net(nn.Module):
    def __init__(self, in_features, hidden_size, num_classes):
        super().__init__()
        self.fc1 = nn.Linear(in_features, hidden_size)
        self.dropout = nn.Dropout(0.2)
        self.fc2 = nn.Linear(hidden_size, num_classes)

    def forward(self, x, labels):
        logits = self.fc2(self.dropout(F.relu(self.fc1(x))))
        loss = F.cross_entropy(logits, labels)
        return loss


def train_epoch(model, loader, optimizer):
    model.train()
    for step, (x, y) in enumerate(loader):
        optimizer.zero_grad()
        loss = model(x.to(device), y.to(device))
        loss.backward()
        optimizer.step()
        print(f"step {step} loss {loss.item():.6f}")


def main():
    torch.manual_seed(0)
    loader = [(torch.randn(8, 12), torch.randint(0, 4, (8,))) for _ in range(3)]
    model = Net(12, 16, 4).to(device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-2)
    train_epoch(model, loader, optimizer)


if __name__ == "__main__":
    main()
