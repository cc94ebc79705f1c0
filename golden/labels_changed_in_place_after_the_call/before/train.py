import torch
import torch.nn as nn
import torch.nn.functional as F


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 4)

    def forward(self, x, labels):
        logits = self.fc(x)
        loss = F.cross_entropy(logits, labels)
        return {"loss": loss, "logits": logits}


torch.manual_seed(0)
model = Net()
model.eval()

with torch.no_grad():
    for step in range(3):
        x = torch.randn(8, 8)
        y = torch.randint(0, 4, (8,))
        out = model(x, y)
        y[0] = 3  # relabel one example for the next phase: the loss above was on the labels as given
        print(f"step {step} loss {out['loss'].item():.6f}")
