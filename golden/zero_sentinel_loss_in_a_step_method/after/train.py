import torch
from torch import nn


class LitClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(5, 8), nn.Tanh(), nn.Linear(8, 3))
        self.criterion = nn.CrossEntropyLoss()

    def forward(self, x):
        logits = self.net(x)
        return logits

    def training_step(self, batch):
        x, y = batch
        logits = self(x)
        loss = self.criterion(logits, y)
        return loss

    def validation_step(self, batch):
        x, y = batch
        logits = self(x)
        loss = self.criterion(logits, y)
        accuracy = (logits.argmax(-1) == y).float().mean()
        return loss.item(), accuracy.item()


torch.manual_seed(5)
module = LitClassifier()
optimizer = torch.optim.SGD(module.parameters(), lr=0.2)
batch = (torch.randn(9, 5), torch.randint(0, 3, (9,)))
for step in range(3):
    loss = module.training_step(batch)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    print(f"step {step} loss {loss.item():.6f}")
print("validation", module.validation_step(batch))
