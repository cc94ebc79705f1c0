import torch

from model import Net
from torch import nn

torch.manual_seed(0)
model = Net(6, 3)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
x = torch.randn(8, 6)
y = torch.randint(0, 3, (8,))
criterion = nn.CrossEntropyLoss()
for step in range(3):
    optimizer.zero_grad()
    logits = model(x)
    loss = criterion(logits, y)
    loss.backward()
    optimizer.step()
    print(f"small step {step} loss {loss.item():.6f}")
