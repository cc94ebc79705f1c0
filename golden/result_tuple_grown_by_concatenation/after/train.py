import torch
from torch import nn


class Tagger(nn.Module):
    def __init__(self, vocab, tags):
        super().__init__()
        self.embed = nn.Embedding(vocab, 8)
        self.proj = nn.Linear(8, tags)
        self.tags = tags

    def forward(self, tokens):
        logits = self.proj(self.embed(tokens))
        return logits


torch.manual_seed(3)
tagger = Tagger(20, 5)
optimizer = torch.optim.SGD(tagger.parameters(), lr=0.1)
tokens = torch.randint(0, 20, (4, 7))
tags = torch.randint(0, 5, (4, 7))
criterion = nn.CrossEntropyLoss()
for step in range(3):
    logits = tagger(tokens)
    outputs = (criterion(logits.view(-1, tagger.tags), tags.view(-1)), logits)
    loss = outputs[0]
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    print(f"step {step} loss {loss.item():.6f}")
tagger.eval()
with torch.no_grad():
    predicted = tagger(tokens).argmax(-1)
print("tags", predicted[0].tolist())
