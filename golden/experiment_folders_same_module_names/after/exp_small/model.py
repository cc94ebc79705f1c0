import torch.nn as nn


class Net(nn.Module):
    def __init__(self, dim, classes):
        super().__init__()
        self.fc = nn.Linear(dim, classes)

    def forward(self, x):
        logits = self.fc(x)
        return logits
