import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)


class Net(nn.Module):
    def __init__(self):
        super(Net, self).__init__()
        self.fc1 = nn.Linear(20, 32)
        self.fc2 = nn.Linear(32, 10)

    def forward(self, x):
        x = F.relu(self.fc1(x))
        x = self.fc2(x)
        return x


net = Net()
optimizer = torch.optim.SGD(net.parameters(), lr=0.05)

x = torch.randn(8, 20)
y = torch.randint(0, 10, (8,))

criterion = nn.CrossEntropyLoss()
for step in range(3):
    optimizer.zero_grad()
    logits = net(x)
    loss = criterion(logits, y)
    loss.backward()
    optimizer.step()
    print(f"step {step} loss {loss.item():.6f}")
