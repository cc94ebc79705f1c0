import torch
import torch.nn as nn


class Tagger(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(4, 8), nn.ReLU())
        self.fc = nn.Linear(8, 3)
        self.criterion = nn.CrossEntropyLoss()

    def forward(self, x, labels):
        logits = self.fc(self.encoder(x))
        raw = logits
        logits = torch.tanh(logits)
        loss = self.criterion(logits, labels)
        probs = raw.softmax(-1)
        return loss, probs


torch.manual_seed(0)
model = Tagger()
optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
x = torch.randn(12, 4)
y = torch.randint(0, 3, (12,))
for step in range(3):
    optimizer.zero_grad()
    loss, probs = model(x, y)
    loss.backward()
    optimizer.step()
    print(f"step {step} loss {loss.item():.6f} top {probs.max(-1).values.mean().item():.6f}")
