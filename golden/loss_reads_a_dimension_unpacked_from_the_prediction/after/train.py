import torch
from torch import nn


class Tagger(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 5)
        self.loss_fct = nn.CrossEntropyLoss()

    def forward(self, x):
        output = torch.relu(self.fc(x))
        return output


torch.manual_seed(12)
model = Tagger()
x = torch.randn(2, 3, 4)
y = torch.randint(0, 5, (2, 3))
out = model(x)
loss = model.loss_fct(out.view(-1, out.shape[2]), y.view(-1))
loss.backward()
print(f"loss {loss.item():.6f} out {out.sum().item():.6f}")
print("tags", model(x).argmax(-1).tolist())
