import torch.nn as nn


class RelationClassifier(nn.Module):
    def __init__(self, label_num):
        super().__init__()
        self.encoder = nn.Embedding(50, 12)
        self.dropout = nn.Dropout(0.1, inplace=False)
        self.fc = nn.Linear(12, label_num)
        self.criterion = nn.CrossEntropyLoss()

    def forward(self, x, attention_mask):
        x = self.encoder(x) * attention_mask.unsqueeze(-1)
        x = x[:, 0, :]
        x = self.dropout(x)
        x = self.fc(x)
        return x
