import torch
import torch.nn as nn
import torch.nn.functional as F


class EmbeddingClassifier(nn.Module):
    def __init__(self, vocab=40, dim=6, classes=3):
        super().__init__()
        self.embedding = nn.EmbeddingBag(vocab, dim)
        self.head = nn.Linear(dim, classes)

    def forward(self, tokens):
        embedded = self.embedding(tokens)
        scores = self.head(embedded)
        return scores, embedded


def train_epoch(model, optimizer, batches):
    total = 0.0
    for tokens, labels in batches:
        optimizer.zero_grad()
        scores, embedded = model(tokens)
        loss = F.cross_entropy(scores, labels) + 0.02 * embedded.norm(dim=-1).mean()
        loss.backward()
        optimizer.step()
        total += loss.item()
    return total / len(batches)


torch.manual_seed(14)
model = EmbeddingClassifier()
optimizer = torch.optim.Adagrad(model.parameters(), lr=0.1)
batches = [(torch.randint(0, 40, (4, 5)), torch.randint(0, 3, (4,))) for _ in range(3)]
for epoch in range(3):
    print(f"epoch {epoch} mean loss {train_epoch(model, optimizer, batches):.6f}")
