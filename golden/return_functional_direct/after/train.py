import torch
import torch.nn as nn
import torch.nn.functional as F


class Model(nn.Module):
    def __init__(self, d_in, d_hidden, n_out):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(d_in, d_hidden), nn.Tanh())
        self.classifier = nn.Linear(d_hidden, n_out)

    def forward(self, x):
        logits = self.classifier(self.encoder(x))
        return logits


if __name__ == "__main__":
    torch.manual_seed(0)
    x = torch.randn(4, 6)
    y = torch.randint(0, 2, (4,))

    model = Model(6, 8, 2)
    optim = torch.optim.SGD(model.parameters(), lr=0.2)
    for step in range(3):
        logits = model(x)
        loss = F.cross_entropy(logits, y)
        optim.zero_grad()
        loss.backward()
        optim.step()
        print(f"step {step} loss {loss.item():.6f}")
