import torch
import torch.nn as nn


class SimpleNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.hidden = nn.Linear(4, 8)
        self.output = nn.Linear(8, 2)
        self.loss_fn = nn.CrossEntropyLoss()

    def forward(self, x, labels):
        logits = self.output(torch.sigmoid(self.hidden(x)))
        return self.loss_fn(logits, labels)


torch.manual_seed(0)
model = SimpleNet()
optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
x = torch.randn(4, 4)
y = torch.randint(0, 2, (4,))

for step in range(3):
    optimizer.zero_grad()
    loss = model.forward(x, y)
    loss.backward()
    optimizer.step()
    print(f"step {step} loss {loss.item():.6f}")
