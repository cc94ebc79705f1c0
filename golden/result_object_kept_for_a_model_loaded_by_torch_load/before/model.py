from torch import nn


class Outputs:
    def __init__(self, logits, loss=None):
        self.logits = logits
        self.loss = loss


class Classifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Linear(6, 8)
        self.head = nn.Linear(8, 3)

    def forward(self, features, mask, labels=None):
        hidden = self.body(features * mask).relu()
        logits = self.head(hidden)

        loss = None
        if labels is not None:
            loss_fct = nn.CrossEntropyLoss()
            loss = loss_fct(logits, labels)

        return Outputs(logits, loss)
