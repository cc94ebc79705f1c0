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


def run():
    torch.manual_seed(7)
    probes = {"small": Probe(3), "large": Probe(3)}
    ensemble = [Probe(3), Probe(3)]
    states = torch.randn(5, 3)
    labels = torch.randint(0, 2, (5,))
    loss_small, _ = probes["small"](states, labels)
    loss_large, logits_large = probes["large"](states, labels)
    print(f"loss small {loss_small.item():.6f} large {loss_large.item():.6f} {logits_large.sum().item():.6f}")
    first, _ = ensemble[0](states, labels)
    second, logits = ensemble[1](states, labels)
    print(f"ensemble loss {(first + second).item():.6f} {logits.argmax(-1).tolist()}")


run()
