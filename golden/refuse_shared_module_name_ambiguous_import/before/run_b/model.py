import torch
import torch.nn as nn


class Classifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.hidden = nn.Linear(4, 8)
        self.head = nn.Linear(8, 2)

    def forward(self, inputs, labels):
        logits = self.head(torch.tanh(self.hidden(inputs)))
        return nn.functional.cross_entropy(logits, labels)
