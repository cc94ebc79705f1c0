import torch.nn as nn


class TokenTagger(nn.Module):
    def __init__(self, dim=6, num_labels=3):
        super().__init__()
        self.num_labels = num_labels
        self.encoder = nn.Sequential(nn.Linear(dim, 8), nn.Tanh())
        self.classifier = nn.Linear(8, num_labels)

    def forward(self, input_embeds, attention_mask=None):
        hidden = self.encoder(input_embeds)
        logits = self.classifier(hidden)
        return logits
