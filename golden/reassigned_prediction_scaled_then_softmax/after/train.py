import torch
import torch.nn as nn
import torch.nn.functional as F


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 3)
        self.criterion = nn.CrossEntropyLoss()

    def forward(self, x):
        logits = self.fc(x)
        logits = logits / 2
        return logits


torch.manual_seed(0)
model = Net()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
x = torch.randn(8, 4)
y = torch.randint(0, 3, (8,))
for step in range(3):
    logits = model(x)
    loss = model.criterion(logits, y)
    prediction = torch.softmax(logits, dim=-1)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    print(f"step {step} loss {loss.item():.6f} prediction {prediction.sum().item():.6f}")
with torch.no_grad():
    print(f"inference {torch.softmax(model(x), dim=-1).sum().item():.6f}")
