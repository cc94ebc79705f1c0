import torch.nn as nn


class Classifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(4, 2)
        self.criterion = nn.CrossEntropyLoss()

    def forward(self, inputs, labels):
        out = self.linear(inputs)
        return self.criterion(out, labels)
