import torch.nn as nn


class Encoder(nn.Module):
    def __init__(self, width=8):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(4, width), nn.ReLU())
        self.head = nn.Linear(width, 2)

    def forward(self, x):
        logits = self.head(self.body(x))
        return logits


class Deep(Encoder):
    def __init__(self):
        super().__init__(width=16)
        self.body = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 16), nn.ReLU())
