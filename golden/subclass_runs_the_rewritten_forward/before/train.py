import torch

from models import Deep, Encoder


def fit(model, x, y, steps=3):
    optimizer = torch.optim.SGD(model.parameters(), lr=0.3)
    for step in range(steps):
        optimizer.zero_grad()
        loss, logits = model(x, labels=y)
        loss.backward()
        optimizer.step()
        print(f"{type(model).__name__} step {step} loss {loss.item():.6f}")
    _, logits = model(x)
    print(f"{type(model).__name__} accuracy {(logits.argmax(-1) == y).float().mean().item():.3f}")


torch.manual_seed(0)
x = torch.randn(20, 4)
y = (x[:, 0] > 0).long()
fit(Encoder(), x, y)
fit(Deep(), x, y)
