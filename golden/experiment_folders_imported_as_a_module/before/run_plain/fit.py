import torch

import regressor as reglib

torch.manual_seed(11)
net = reglib.DeepRegressor()
opt = torch.optim.SGD(net.parameters(), lr=0.05)
inputs = torch.randn(10, 3)
labels = torch.randn(10)
for step in range(3):
    opt.zero_grad()
    loss, pred = net(inputs, labels)
    loss.backward()
    opt.step()
    print(f"plain step {step} loss {loss.item():.6f} pred {pred.mean().item():.6f}")
