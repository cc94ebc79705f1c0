import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)


class Classifier(nn.Module):
    def __init__(self, smoothing=0.2):
        super().__init__()
        self.body = nn.Linear(5, 8)
        self.head = nn.Linear(8, 3)
        self.smoothing = smoothing

    def forward(self, x, labels=None):
        logits = self.head(torch.relu(self.body(x)))
        if labels is not None:
            # Label smoothing while training only.
            if self.training and self.smoothing > 0:
                loss = F.cross_entropy(logits, labels, label_smoothing=self.smoothing)
            else:
                loss = F.cross_entropy(logits, labels)
            return {"loss": loss, "logits": logits}
        return {"logits": logits}


def evaluate(model, x, y):
    model.eval()
    with torch.no_grad():
        out = model(x, labels=y)
    model.train()
    return out["loss"].item()


model = Classifier()
optimizer = torch.optim.SGD(model.parameters(), lr=0.3)
x, y = torch.randn(12, 5), torch.randint(0, 3, (12,))
for step in range(3):
    out = model(x, labels=y)
    optimizer.zero_grad()
    out["loss"].backward()
    optimizer.step()
    print(f"step {step} train loss {out['loss'].item():.6f} eval loss {evaluate(model, x, y):.6f}")
print(f"prediction {model(x)['logits'].argmax(-1).tolist()}")
