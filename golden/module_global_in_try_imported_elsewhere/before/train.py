import torch

from model import MODEL


def scores(x, y):
    return MODEL(x, y)["logits"]


optimizer = torch.optim.SGD(MODEL.parameters(), lr=0.1)
x = torch.randn(8, 4)
y = torch.randint(0, 3, (8,))
for step in range(3):
    out = MODEL(x, y)
    optimizer.zero_grad()
    out["loss"].backward()
    optimizer.step()
    print(f"step {step} loss {out['loss'].item():.6f}")
print(f"scores {scores(x, y).sum().item():.6f}")
