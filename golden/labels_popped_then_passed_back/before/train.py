import torch
import torch.nn as nn
import torch.nn.functional as F


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 3)

    def forward(self, x, labels, mask=None):
        if mask is not None:
            x = x * mask.unsqueeze(-1)
        logits = self.fc(x)
        return F.cross_entropy(logits, labels)


def serve(model, batch):
    return model(**batch)


torch.manual_seed(0)
model = Net()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
x = torch.randn(8, 4)
y = torch.randint(0, 3, (8,))
mask = torch.ones(8)
for step in range(3):
    batch = {"x": x, "labels": y, "mask": mask}
    labels = batch.pop("labels")
    loss = model(**batch, labels=labels)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    print(f"step {step} loss {loss.item():.6f}")
print(f"served {serve(model, {'x': x, 'labels': y, 'mask': mask}).item():.6f}")
