import torch.nn as nn
import torch.nn.functional as F


class Encoder(nn.Module):
    def __init__(self, width=8):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(4, width), nn.ReLU())
        self.head = nn.Linear(width, 2)

    def forward(self, x, labels=None):
        logits = self.head(self.body(x))
        loss = None
        if labels is not None:
            loss = F.cross_entropy(logits, labels)
        return loss, logits


class Deep(Encoder):
    def forward(self, x, labels=None):
        return super().forward(x * 2.0, labels)

    def __init__(self):
        super().__init__(width=16)
        self.body = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 16), nn.ReLU())
