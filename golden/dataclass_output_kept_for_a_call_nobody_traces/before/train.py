from dataclasses import dataclass
from typing import Optional

import torch
from torch import nn


@dataclass
class TaggerOutput:
    loss: Optional[torch.Tensor] = None
    logits: Optional[torch.Tensor] = None
    probs: Optional[torch.Tensor] = None


class Tagger(nn.Module):
    def __init__(self):
        super().__init__()
        self.proj = nn.Linear(5, 4)

    def forward(self, tokens, labels=None):
        logits = self.proj(tokens)
        probs = logits.softmax(-1)
        loss = None
        if labels is not None:
            loss = nn.functional.nll_loss(probs.log(), labels)
        return TaggerOutput(loss=loss, logits=logits, probs=probs)


def serve(model, tokens):
    return model(tokens).probs.argmax(-1)


if __name__ == "__main__":
    torch.manual_seed(5)
    tagger = Tagger()
    optimizer = torch.optim.SGD(tagger.parameters(), lr=0.3)
    tokens = torch.randn(7, 5)
    tags = torch.randint(0, 4, (7,))
    for step in range(3):
        result = tagger(tokens, labels=tags)
        optimizer.zero_grad()
        result.loss.backward()
        optimizer.step()
        print(f"step {step} loss {result.loss.item():.6f} probs {result.probs.max().item():.6f}")
