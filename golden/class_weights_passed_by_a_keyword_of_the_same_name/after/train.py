import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)


class Classifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 3)

    def forward(self, x):
        logits = self.fc(x)
        return logits


model = Classifier()
optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
x, y = torch.randn(8, 4), torch.randint(0, 3, (8,))
for step in range(3):
    optimizer.zero_grad()
    logits = model(x)
    loss = F.cross_entropy(logits, y, weight=torch.tensor([1.0, 2.0, 0.5]))
    loss.backward()
    optimizer.step()
    print(f"step {step} loss {loss.item():.6f}")
