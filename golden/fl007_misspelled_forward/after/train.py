import torch
import torch.nn as nn
import torch.nn.functional as F


class SentimentModel(nn.Module):
    def __init__(self, vocab_size=64, dim=16, num_labels=2):
        super().__init__()
        self.embed = nn.EmbeddingBag(vocab_size, dim)
        self.head = nn.Linear(dim, num_labels)

    def forward(self, input_ids, labels=None):
        logits = self.head(self.embed(input_ids))
        loss = F.cross_entropy(logits, labels) if labels is not None else None
        return {"loss": loss, "logits": logits}


torch.manual_seed(0)
model = SentimentModel()
optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
input_ids = torch.randint(0, 64, (8, 10))
labels = torch.randint(0, 2, (8,))
for step in range(3):
    optimizer.zero_grad()
    outputs = model(input_ids, labels=labels)
    outputs["loss"].backward()
    optimizer.step()
    print(f"step {step} loss {outputs['loss'].item():.6f}")
