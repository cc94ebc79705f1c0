import torch
import torch.nn as nn
import torch.nn.functional as F


class Baseline(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(6, 4)

    def forward(self, features, labels):
        logits = self.fc(features)
        return F.cross_entropy(logits, labels), logits


class NoisyLabels(nn.Module):
    def __init__(self, flip=0.25):
        super().__init__()
        self.fc = nn.Linear(6, 4)
        self.flip = flip

    def forward(self, features, labels):
        logits = self.fc(features)
        flipped = torch.rand(labels.shape) < self.flip
        labels = torch.where(flipped, torch.randint_like(labels, 4), labels)
        return F.cross_entropy(logits, labels), logits


def train(net, features, labels):
    optimizer = torch.optim.SGD(net.parameters(), lr=0.3)
    for step in range(3):
        loss, logits = net(features, labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        print(f"{step} loss {loss.item():.6f} top {logits.argmax(-1)[:4].tolist()}")


torch.manual_seed(9)
features = torch.randn(16, 6)
labels = torch.randint(0, 4, (16,))
train(Baseline(), features, labels)
train(NoisyLabels(), features, labels)
