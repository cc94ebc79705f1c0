import torch
import torch.nn as nn

torch.manual_seed(0)


class Classifier(nn.Module):
    def __init__(self, in_dim=10, hidden=24, n_classes=4):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(in_dim, hidden), nn.LayerNorm(hidden), nn.SiLU())
        self.head = nn.Linear(hidden, n_classes)

    def forward(self, x):
        return self.head(self.body(x))


model = Classifier()
optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
x = torch.randn(8, 10)
y = torch.randint(0, 4, (8,))

criterion = nn.CrossEntropyLoss(label_smoothing=0.1)
train_acc = []
for step in range(3):
    logits = model(x)
    loss = criterion(logits, y)
    acc = (logits.argmax(dim=-1) == y).float().mean()
    train_acc.append(acc.item())

    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    print(f"step {step} loss {loss.item():.6f}")
