import torch.nn as nn


class Scorer(nn.Module):
    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(4, 3)

    def forward(self, features, labels):
        logits = self.linear(features)
        return nn.functional.cross_entropy(logits, labels)
