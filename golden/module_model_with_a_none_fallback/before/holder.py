import torch
import torch.nn as nn

MODEL = None


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 3)

    def forward(self, x, labels):
        logits = self.fc(x)
        loss = nn.functional.cross_entropy(logits, labels)
        return loss, logits


torch.manual_seed(0)
try:
    MODEL = Net()
except RuntimeError:
    MODEL = None
