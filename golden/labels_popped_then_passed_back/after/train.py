import torch
import torch.nn as nn
import torch.nn.functional as F


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 3)

    def forward(self, x, mask=None):
        if mask is not None:
            x = x * mask.unsqueeze(-1)
        logits = self.fc(x)
        return logits


def serve(model, batch):
    logits = model(**{k: v for k, v in batch.items() if k != "labels"})
    return F.cross_entropy(logits, batch["labels"])


torch.manual_seed(0)
model = Net()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
x = torch.randn(8, 4)
y = torch.randint(0, 3, (8,))
mask = torch.ones(8)
for step in range(3):
    batch = {"x": x, "labels": y, "mask": mask}
    labels = batch.pop("labels")
    logits = model(**batch)
    loss = F.cross_entropy(logits, labels)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    print(f"step {step} loss {loss.item():.6f}")
print(f"served {serve(model, {'x': x, 'labels': y, 'mask': mask}).item():.6f}")
