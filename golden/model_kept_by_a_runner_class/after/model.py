import torch.nn as nn


class Classifier(nn.Module):
    def __init__(self, n_in, n_classes):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(n_in, 8), nn.Tanh())
        self.head = nn.Linear(8, n_classes)
        self.criterion = nn.CrossEntropyLoss()

    def forward(self, features):
        scores = self.head(self.body(features))
        return scores
