import torch
import torch.nn.functional as F
from torch import nn


class Tagger(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Linear(4, 6)
        self.classifier = nn.Linear(6, 3)

    def forward(self, inputs, labels=None):
        hidden = torch.tanh(self.encoder(inputs))
        logits = self.classifier(hidden)
        out = {"logits": logits, "hidden": hidden}
        if labels is not None:
            out["loss"] = F.cross_entropy(logits, labels, label_smoothing=0.1)
        return out


def embed(model, inputs):
    return model(inputs)["hidden"].mean(0)


torch.manual_seed(1)
model = Tagger()
optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
inputs = torch.randn(8, 4)
labels = torch.randint(0, 3, (8,))
for step in range(3):
    out = model(inputs, labels=labels)
    optimizer.zero_grad()
    out["loss"].backward()
    optimizer.step()
    print(f"step {step} loss {out['loss'].item():.6f} hidden {out['hidden'].abs().sum().item():.6f}")

with torch.no_grad():
    out = model(inputs, labels=labels)
    print(sorted(out), {key: round(value.sum().item(), 5) for key, value in out.items()})
print("embedding", embed(model, inputs).sum().item())
