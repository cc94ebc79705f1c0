import torch
from torch import nn


class Tagger(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 5)
        self.loss_fct = nn.CrossEntropyLoss()

    def forward(self, x, label=None):
        output = torch.relu(self.fc(x))
        if label is not None:
            _, _, tags = output.shape
            loss = self.loss_fct(output.view(-1, tags), label.view(-1))
            return loss, output
        return output


torch.manual_seed(12)
model = Tagger()
x = torch.randn(2, 3, 4)
y = torch.randint(0, 5, (2, 3))
loss, out = model(x, y)
loss.backward()
print(f"loss {loss.item():.6f} out {out.sum().item():.6f}")
print("tags", model(x).argmax(-1).tolist())
