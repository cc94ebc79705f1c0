import torch
from torch import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 3)
        self.criterion = nn.CrossEntropyLoss()

    def forward(self, x, label):
        logits = self.fc(x)
        loss = self.criterion(logits, label)
        return loss, logits


torch.manual_seed(14)
model = Net()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
x = torch.randn(6, 4)
y = torch.randint(0, 3, (6,))
for step in range(2):
    loss, logits = model(x, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    print(f"step {step} loss {loss.item():.6f}")
