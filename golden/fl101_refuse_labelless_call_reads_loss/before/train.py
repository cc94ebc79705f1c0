import torch
import torch.nn as nn


class Scorer(nn.Module):
    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(5, 2)

    def forward(self, features, labels=None):
        logits = self.linear(features)
        loss = None
        if labels is not None:
            loss = nn.functional.cross_entropy(logits, labels)
        return {"loss": loss, "logits": logits}


torch.manual_seed(0)
scorer = Scorer()
features = torch.randn(4, 5)
outputs = scorer(features, labels=torch.tensor([0, 1, 1, 0]))
print(f"train loss {outputs['loss'].item():.6f}")
outputs = scorer(features)
if outputs["loss"] is None:
    print("no labels, no loss; predictions", outputs["logits"].argmax(-1).tolist())
