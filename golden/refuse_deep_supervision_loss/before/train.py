import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)


class DeeplySupervised(nn.Module):
    """A classifier with an auxiliary head on its middle layer, both trained on the labels."""

    def __init__(self, dim=8, classes=3):
        super().__init__()
        self.lower = nn.Sequential(nn.Linear(dim, dim), nn.ReLU())
        self.upper = nn.Sequential(nn.Linear(dim, dim), nn.ReLU())
        self.aux_head = nn.Linear(dim, classes)
        self.head = nn.Linear(dim, classes)

    def forward(self, x, labels):
        middle = self.lower(x)
        aux_logits = self.aux_head(middle)
        logits = self.head(self.upper(middle))
        # Which of the two heads is "the prediction" is the author's call, not the tool's.
        loss = F.cross_entropy(logits, labels) + 0.4 * F.cross_entropy(aux_logits, labels)
        return loss


model = DeeplySupervised()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
x = torch.randn(8, 8)
y = torch.randint(0, 3, (8,))
model.train()
for step in range(3):
    optimizer.zero_grad()
    loss = model(x, y)
    loss.backward()
    optimizer.step()
    print(f"step {step} loss {loss.item():.6f}")
