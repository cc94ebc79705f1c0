import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)


class MoEClassifier(nn.Module):
    """Tiny mixture-of-experts classifier with a soft gate."""

    def __init__(self, dim=8, num_experts=4, num_classes=3):
        super().__init__()
        self.gate = nn.Linear(dim, num_experts)
        self.experts = nn.ModuleList([nn.Linear(dim, dim) for _ in range(num_experts)])
        self.head = nn.Linear(dim, num_classes)

    def forward(self, x):
        gate_probs = F.softmax(self.gate(x), dim=-1)                      # (B, E)
        expert_out = torch.stack([e(x) for e in self.experts], dim=1)     # (B, E, D)
        hidden = (gate_probs.unsqueeze(-1) * expert_out).sum(dim=1)
        logits = self.head(torch.relu(hidden))

        # load-balancing term: keep the mean routing distribution close to uniform
        importance = gate_probs.mean(dim=0)
        balance_loss = gate_probs.size(-1) * (importance ** 2).sum()
        return logits, balance_loss


model = MoEClassifier()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)

x = torch.randn(8, 8)
y = torch.randint(0, 3, (8,))

model.train()
for step in range(3):
    optimizer.zero_grad()
    logits, balance_loss = model(x)
    loss = F.cross_entropy(logits, y) + 0.01 * balance_loss
    loss.backward()
    optimizer.step()
    print(f"step {step} loss {loss.item():.6f}")
