import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)


class ConfidencePenalized(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(5, 4)

    def forward(self, x):
        logits = self.fc(x)
        probs = logits.softmax(-1)
        return logits, probs


model = ConfidencePenalized()
optimizer = torch.optim.SGD(model.parameters(), lr=0.3)
x, y = torch.randn(12, 5), torch.randint(0, 4, (12,))
for step in range(3):
    optimizer.zero_grad()
    logits, probs = model(x)
    loss = F.cross_entropy(logits, y) + 0.1 * (probs * probs.clamp_min(1e-8).log()).sum(-1).mean()
    loss.backward()
    optimizer.step()
    print(f"step {step} loss {loss.item():.6f} top {logits.argmax(-1).tolist()}")
