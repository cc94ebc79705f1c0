import torch
import torch.nn as nn


class Tagger(nn.Module):
    def __init__(self, vocab=30, dim=8, tags=4):
        super().__init__()
        self.embed = nn.Embedding(vocab, dim)
        self.rnn = nn.GRU(dim, dim, batch_first=True)
        self.out = nn.Linear(dim, tags)
        self.loss_fct = nn.CrossEntropyLoss()

    def forward(self, ids):
        states, _ = self.rnn(self.embed(ids))
        logits = self.out(states)
        return logits


torch.manual_seed(6)
tagger = Tagger()
optimizer = torch.optim.Adam(tagger.parameters(), lr=0.02)
ids = torch.randint(0, 30, (3, 7))
tags = torch.randint(0, 4, (3, 7))
for step in range(3):
    logits = tagger(ids)
    loss = tagger.loss_fct(logits.view(-1, logits.size(-1)), tags.view(-1))
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    print(f"step {step} loss {loss.item():.6f} first tags {logits.argmax(-1)[0].tolist()}")
