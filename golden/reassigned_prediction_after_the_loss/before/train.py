import torch
import torch.nn as nn
import torch.nn.functional as F


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 3)
        self.criterion = nn.CrossEntropyLoss()

    def forward(self, x, labels):
        h = self.fc(x)
        loss = self.criterion(h, labels)
        h = torch.tanh(h)
        return loss, h


torch.manual_seed(0)
model = Net()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
x = torch.randn(8, 4)
y = torch.randint(0, 3, (8,))
for step in range(3):
    loss, prediction = model(x, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    print(f"step {step} loss {loss.item():.6f} prediction {prediction.sum().item():.6f}")
