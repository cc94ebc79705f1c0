import torch

from model import Net

torch.manual_seed(0)
model = Net()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
x = torch.randn(8, 4)
y = torch.randint(0, 3, (8,))
for step in range(3):
    out = model(x, y)
    optimizer.zero_grad()
    out["loss"].backward()
    optimizer.step()
    print(f"step {step} loss {out['loss'].item():.6f}")

import hf  # noqa: E402  (the other model's trainer is only built, not run)
