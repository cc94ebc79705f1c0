import torch
from torch import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 3)

    def forward(self, x, labels=None, return_dict=None):
        logits = self.fc(x)
        loss = None
        if labels is not None:
            loss = nn.functional.cross_entropy(logits, labels)
        if not return_dict:
            return (loss, logits) if loss is not None else logits
        return {"loss": loss, "logits": logits}


torch.manual_seed(13)
model = Net()
x = torch.randn(5, 4)
y = torch.randint(0, 3, (5,))
loss, _ = model(x, labels=y)
loss.backward()
print(f"loss {loss.item():.6f}")
print(f"dict loss {model(x, labels=y, return_dict=True)['loss'].item():.6f}")
