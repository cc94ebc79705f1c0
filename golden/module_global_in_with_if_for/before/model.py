import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 3)

    def forward(self, x, labels):
        logits = self.fc(x)
        loss = nn.functional.cross_entropy(logits, labels)
        return loss, logits


torch.manual_seed(0)
with torch.no_grad():
    MODEL = Net()
if torch.__version__:
    BACKUP = Net()
for _ in range(1):
    LAST = Net()


def backup_loss(x, y):
    loss, _ = BACKUP(x, y)
    return loss
