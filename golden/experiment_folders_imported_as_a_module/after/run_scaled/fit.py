import torch

import regressor as reglib
import torch.nn.functional as F

torch.manual_seed(11)
net = reglib.DeepRegressor()
opt = torch.optim.SGD(net.parameters(), lr=0.05)
inputs = torch.randn(10, 3)
labels = torch.randn(10)
for step in range(3):
    opt.zero_grad()
    pred = net(inputs)
    loss = 2.0 * F.mse_loss(pred, labels.float())
    loss.backward()
    opt.step()
    print(f"scaled step {step} loss {loss.item():.6f} pred {pred.mean().item():.6f}")
