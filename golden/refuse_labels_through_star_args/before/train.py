import torch
import torch.nn as nn

torch.manual_seed(0)


class Regressor(nn.Module):
    def __init__(self, n_in=6, n_hidden=16):
        super(Regressor, self).__init__()
        self.fc1 = nn.Linear(n_in, n_hidden)
        self.fc2 = nn.Linear(n_hidden, 1)
        self.criterion = nn.MSELoss()

    def forward(self, x, labels):
        pred = self.fc2(torch.tanh(self.fc1(x))).squeeze(-1)
        return self.criterion(pred, labels)


net = Regressor()
opt = torch.optim.Adam(net.parameters(), lr=5e-3)

X = torch.randn(5, 6)
Y = X.sum(dim=1) * 0.5

for step in range(3):
    inputs = (X, Y)
    loss = net(*inputs)
    opt.zero_grad()
    loss.backward()
    opt.step()
    print(f"step {step} loss {loss.item():.6f}")
