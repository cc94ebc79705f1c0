import torch.nn as nn


class SentimentHead(nn.Module):
    def __init__(self, dim, classes):
        super().__init__()
        self.dropout = nn.Dropout(0.0)
        self.classifier = nn.Linear(dim, classes)

    def forward(self, pooled, labels):
        logits = self.classifier(self.dropout(pooled))
        loss = None
        if labels is not None:
            loss = nn.CrossEntropyLoss()(logits, labels)
        return loss, logits
