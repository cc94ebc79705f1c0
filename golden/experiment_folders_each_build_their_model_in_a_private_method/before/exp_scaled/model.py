import torch.nn as nn


class Classifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.layer = nn.Linear(5, 3)

    def forward(self, features, labels):
        scores = self.layer(features)
        return 0.5 * nn.functional.cross_entropy(scores, labels)
