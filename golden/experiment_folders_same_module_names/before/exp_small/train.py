import torch

from model import Net

torch.manual_seed(0)
model = Net(6, 3)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
x = torch.randn(8, 6)
y = torch.randint(0, 3, (8,))
for step in range(3):
    optimizer.zero_grad()
    loss = model(x, y)
    loss.backward()
    optimizer.step()
    print(f"small step {step} loss {loss.item():.6f}")
