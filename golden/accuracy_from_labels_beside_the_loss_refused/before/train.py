import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 3)

    def forward(self, x, labels):
        logits = self.fc(x)
        loss = F.cross_entropy(logits, labels)
        accuracy = (logits.argmax(-1) == labels).float().mean()
        return loss, logits, accuracy


model = Net()
optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
x, y = torch.randn(10, 4), torch.randint(0, 3, (10,))
for step in range(3):
    optimizer.zero_grad()
    loss, logits, accuracy = model(x, y)
    loss.backward()
    optimizer.step()
    print(f"step {step} loss {loss.item():.6f} accuracy {accuracy.item():.6f}")
