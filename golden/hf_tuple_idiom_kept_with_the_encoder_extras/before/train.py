import torch
from torch import nn


class Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = nn.GRU(4, 6, batch_first=True)

    def forward(self, x):
        states, last = self.rnn(x)
        return states, last


class Classifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = Encoder()
        self.out = nn.Linear(6, 2)

    def forward(self, x, labels=None):
        outputs = self.encoder(x)
        logits = self.out(outputs[0][:, -1])
        outputs = (logits,) + outputs[1:]
        if labels is not None:
            loss = nn.functional.cross_entropy(logits, labels)
            outputs = (loss,) + outputs
        return outputs


torch.manual_seed(4)
model = Classifier()
x = torch.randn(3, 5, 4)
y = torch.tensor([0, 1, 1])
loss, logits, last = model(x, labels=y)
loss.backward()
print(f"loss {loss.item():.6f} last {last.sum().item():.6f}")
