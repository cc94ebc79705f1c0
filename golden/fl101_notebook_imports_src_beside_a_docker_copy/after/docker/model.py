import torch.nn as nn


class TextClassifierWithHead(nn.Module):
    def __init__(self, vocab=40, dim=8, num_labels=3):
        super().__init__()
        self.encoder = nn.EmbeddingBag(vocab, dim)
        self.classifier = nn.Sequential(nn.Linear(dim, 16), nn.ReLU(), nn.Linear(16, num_labels))

    def forward(self, input_ids, attention_mask):
        pooled = self.encoder(input_ids * attention_mask)
        logits = self.classifier(pooled)
        return logits
