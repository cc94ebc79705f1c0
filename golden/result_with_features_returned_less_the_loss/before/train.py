import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)


class Tagger(nn.Module):
    def __init__(self, dim=6, num_tags=3):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(dim, 8), nn.Tanh())
        self.head = nn.Linear(8, num_tags)

    def forward(self, x, labels):
        features = self.encoder(x)
        logits = self.head(features)
        loss = F.cross_entropy(logits, labels, label_smoothing=0.1)
        return loss, logits, features


model = Tagger()
optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
x = torch.randn(16, 6)
y = torch.randint(0, 3, (16,))

for step in range(3):
    optimizer.zero_grad()
    loss, logits, features = model(x, y)
    loss.backward()
    optimizer.step()
    print(f"step {step} loss {loss.item():.6f} norm {features.norm().item():.6f}")

out = model(x, y)
print(f"after training {out[0].item():.6f}")
model.eval()
x_eval, y_eval = x[:4], y[:4]
with torch.no_grad():
    out = model(x_eval, y_eval)
    accuracy = (out[1].argmax(-1) == y_eval).float().mean()
print(f"eval loss {out[0].item():.6f} accuracy {accuracy.item():.6f} features {out[-1].sum().item():.6f}")
