import torch
import torch.nn as nn
from transformers.modeling_outputs import TokenClassifierOutput


class Tagger(nn.Module):
    def __init__(self, vocab=30, dim=8, tags=4):
        super().__init__()
        self.embed = nn.Embedding(vocab, dim)
        self.rnn = nn.GRU(dim, dim, batch_first=True)
        self.out = nn.Linear(dim, tags)
        self.loss_fct = nn.CrossEntropyLoss()

    def forward(self, ids, labels):
        states, _ = self.rnn(self.embed(ids))
        logits = self.out(states)
        loss = self.loss_fct(logits.view(-1, logits.size(-1)), labels.view(-1))
        return TokenClassifierOutput(loss=loss, logits=logits)


torch.manual_seed(6)
tagger = Tagger()
optimizer = torch.optim.Adam(tagger.parameters(), lr=0.02)
ids = torch.randint(0, 30, (3, 7))
tags = torch.randint(0, 4, (3, 7))
for step in range(3):
    outputs = tagger(ids, tags)
    loss = outputs[0]
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    print(f"step {step} loss {loss.item():.6f} first tags {outputs[1].argmax(-1)[0].tolist()}")
