import torch.nn as nn


class Net(nn.Module):
    def __init__(self, dim, classes):
        super().__init__()
        self.fc = nn.Linear(dim, classes)

    def forward(self, x, labels):
        logits = self.fc(x)
        loss = nn.CrossEntropyLoss()(logits, labels)
        return loss
