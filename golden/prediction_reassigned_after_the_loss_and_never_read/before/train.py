import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(4, 8), nn.ReLU())
        self.fc = nn.Linear(8, 3)
        self.criterion = nn.CrossEntropyLoss()

    def forward(self, x, labels):
        scores = self.fc(self.encoder(x))
        scores = torch.tanh(scores)
        loss = self.criterion(scores, labels)
        scores = scores.softmax(-1)
        return loss


torch.manual_seed(0)
model = Net()
optimizer = torch.optim.SGD(model.parameters(), lr=0.2)
x = torch.randn(10, 4)
y = torch.randint(0, 3, (10,))
for step in range(3):
    optimizer.zero_grad()
    loss = model(x, y)
    loss.backward()
    optimizer.step()
    print(f"step {step} loss {loss.item():.6f}")
