import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)


class ConfidencePenalized(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(5, 4)

    def forward(self, x, labels):
        logits = self.fc(x)
        probs = logits.softmax(-1)
        loss = F.cross_entropy(logits, labels) + 0.1 * (probs * probs.clamp_min(1e-8).log()).sum(-1).mean()
        return loss, logits


model = ConfidencePenalized()
optimizer = torch.optim.SGD(model.parameters(), lr=0.3)
x, y = torch.randn(12, 5), torch.randint(0, 4, (12,))
for step in range(3):
    optimizer.zero_grad()
    loss, logits = model(x, y)
    loss.backward()
    optimizer.step()
    print(f"step {step} loss {loss.item():.6f} top {logits.argmax(-1).tolist()}")
