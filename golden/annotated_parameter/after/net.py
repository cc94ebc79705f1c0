import torch.nn as nn


class Net(nn.Module):
    def __init__(self, vocab_size: int, hidden: int, num_labels: int) -> None:
        super().__init__()
        self.embed = nn.EmbeddingBag(vocab_size, hidden, mode="max")
        self.classifier = nn.Linear(hidden, num_labels)

    def forward(self, input_ids):
        logits = self.classifier(self.embed(input_ids))
        return logits
