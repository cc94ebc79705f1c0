import torch
import torch.nn as nn


class MLP(nn.Module):
    def __init__(self, in_dim=10, hidden=16, n_classes=4):
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(in_dim, hidden),
            nn.GELU(),
            nn.Linear(hidden, n_classes),
        )
        self.criterion = nn.CrossEntropyLoss()

    def forward(self, features):
        logits = self.net(features)
        return logits


torch.manual_seed(0)

features = torch.randn(8, 10)
targets = torch.randint(0, 4, (8,))

model = MLP()
opt = torch.optim.AdamW(model.parameters(), lr=1e-2)

for step in range(3):
    opt.zero_grad()
    logits = model(features)
    loss = model.criterion(logits, targets)
    loss.backward()
    opt.step()
    print(f"step {step} loss {loss.item():.6f}")
