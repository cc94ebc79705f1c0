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

    def forward(self, x):
        logits = self.head(torch.relu(self.body(x)))
        return logits


def evaluate(model, x, y):
    model.eval()
    with torch.no_grad():
        logits = model(x)
        loss = F.cross_entropy(logits, y, label_smoothing=model.smoothing) if model.training and model.smoothing > 0 else F.cross_entropy(logits, y)
    model.train()
    return loss.item()


model = Classifier()
optimizer = torch.optim.SGD(model.parameters(), lr=0.3)
x, y = torch.randn(12, 5), torch.randint(0, 3, (12,))
for step in range(3):
    logits = model(x)
    loss = F.cross_entropy(logits, y, label_smoothing=model.smoothing) if model.training and model.smoothing > 0 else F.cross_entropy(logits, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    print(f"step {step} train loss {loss.item():.6f} eval loss {evaluate(model, x, y):.6f}")
print(f"prediction {model(x).argmax(-1).tolist()}")
