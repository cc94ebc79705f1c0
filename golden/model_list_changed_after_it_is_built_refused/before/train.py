import torch
import torch.nn as nn
import torch.nn.functional as F


class Probe(nn.Module):
    def __init__(self, width):
        super().__init__()
        self.read = nn.Linear(width, 2)

    def forward(self, states, labels):
        logits = self.read(states)
        loss = F.cross_entropy(logits, labels)
        return loss, logits


torch.manual_seed(7)
ensemble = [Probe(3)]
ensemble.insert(0, Probe(3))
states = torch.randn(5, 3)
labels = torch.randint(0, 2, (5,))
first, _ = ensemble[0](states, labels)
second, logits = ensemble[1](states, labels)
print(f"ensemble loss {(first + second).item():.6f} {logits.argmax(-1).tolist()}")
