import torch
import torch.nn as nn

torch.manual_seed(0)


class Scorer(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, 2))

    def forward(self, features):
        scores = self.body(features)
        return scores


criterion = "sum-of-cross-entropy"  # what the experiment log calls the objective
model = Scorer()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
features = torch.randn(5, 8)
labels = torch.randint(0, 2, (5,))

criterion_2 = nn.CrossEntropyLoss(reduction="sum")
for step in range(3):
    optimizer.zero_grad()
    scores = model(features)
    loss = criterion_2(scores, labels)
    loss.backward()
    optimizer.step()
    print(f"{criterion} step {step} loss {loss.item():.6f}")
