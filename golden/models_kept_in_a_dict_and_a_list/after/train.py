import torch
import torch.nn as nn
import torch.nn.functional as F


class Probe(nn.Module):
    def __init__(self, width):
        super().__init__()
        self.read = nn.Linear(width, 2)

    def forward(self, states):
        logits = self.read(states)
        return logits


def run():
    torch.manual_seed(7)
    probes = {"small": Probe(3), "large": Probe(3)}
    ensemble = [Probe(3), Probe(3)]
    states = torch.randn(5, 3)
    labels = torch.randint(0, 2, (5,))
    logits_2 = probes["small"](states)
    loss_small = F.cross_entropy(logits_2, labels)
    logits_large = probes["large"](states)
    loss_large = F.cross_entropy(logits_large, labels)
    print(f"loss small {loss_small.item():.6f} large {loss_large.item():.6f} {logits_large.sum().item():.6f}")
    logits_2 = ensemble[0](states)
    first = F.cross_entropy(logits_2, labels)
    logits = ensemble[1](states)
    second = F.cross_entropy(logits, labels)
    print(f"ensemble loss {(first + second).item():.6f} {logits.argmax(-1).tolist()}")


run()
