import torch.nn as nn


class SentimentHead(nn.Module):
    def __init__(self, dim, classes):
        super().__init__()
        self.dropout = nn.Dropout(0.0)
        self.classifier = nn.Linear(dim, classes)

    def forward(self, pooled):
        logits = self.classifier(self.dropout(pooled))
        return logits
