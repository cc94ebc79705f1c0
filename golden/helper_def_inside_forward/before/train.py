import torch
import torch.nn as nn
import torch.nn.functional as F


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(8, 16)
        self.fc2 = nn.Linear(16, 4)

    def forward(self, x, labels):
        def project(h):
            logits = self.fc2(F.relu(self.fc1(h)))
            return logits

        logits = project(x)
        loss = F.cross_entropy(logits, labels)
        return loss, logits


torch.manual_seed(0)
x = torch.randn(8, 8)
y = torch.randint(0, 4, (8,))
model = Net()
optimizer = torch.optim.SGD(model.parameters(), lr=0.3)

for step in range(3):
    optimizer.zero_grad()
    loss, logits = model(x, y)
    loss.backward()
    optimizer.step()
    print(f"step {step} loss {loss.item():.6f} top {logits.argmax(-1)[0].item()}")
