import torch
import torch.nn as nn


class SparseEncoderClassifier(nn.Module):
    """A classifier whose loss also keeps its hidden code small (an L1 penalty on it)."""

    def __init__(self, features=6, code=5, classes=3, sparsity=0.05):
        super().__init__()
        self.encode = nn.Sequential(nn.Linear(features, code), nn.ReLU())
        self.classify = nn.Linear(code, classes)
        self.sparsity = sparsity

    def forward(self, inputs):
        code = self.encode(inputs)
        logits = self.classify(code)
        return logits, code
