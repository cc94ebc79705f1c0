import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Linear(4, 6)
        self.fc = nn.Linear(6, 3)

    def forward(self, x, labels):
        features = torch.relu(self.body(x))
        logits = self.fc(features)
        loss = F.cross_entropy(logits, labels)
        probs = logits.softmax(-1).clamp(min=1e-3)
        return loss, probs, features


model = Net()
optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
x, y = torch.randn(10, 4), torch.randint(0, 3, (10,))
for step in range(3):
    optimizer.zero_grad()
    loss, probs, features = model(x, y)
    loss.backward()
    optimizer.step()
    print(f"step {step} loss {loss.item():.6f} top {probs.max().item():.6f}")
