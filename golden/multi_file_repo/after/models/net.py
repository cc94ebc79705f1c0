import torch
import torch.nn as nn


class Classifier(nn.Module):
    def __init__(self, vocab_size, hidden_size, num_labels):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, hidden_size)
        self.dense = nn.Linear(hidden_size, hidden_size)
        self.out_proj = nn.Linear(hidden_size, num_labels)

    def forward(self, input_ids, attention_mask):
        x = self.embedding(input_ids)
        m = attention_mask.unsqueeze(-1).float()
        x = (x * m).sum(dim=1) / m.sum(dim=1)
        logits = self.out_proj(torch.tanh(self.dense(x)))
        return logits
