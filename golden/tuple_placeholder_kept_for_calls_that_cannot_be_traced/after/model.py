import torch.nn as nn


class Classifier(nn.Module):
    def __init__(self, label_num):
        super().__init__()
        self.encoder = nn.Linear(5, 12)
        self.dropout = nn.Dropout(0.1)
        self.fc = nn.Linear(12, label_num)
        self.criterion = nn.CrossEntropyLoss()

    def forward(self, x, mask):
        x = self.encoder(x * mask)
        x = self.dropout(x)
        x = self.fc(x)
        return None, x
