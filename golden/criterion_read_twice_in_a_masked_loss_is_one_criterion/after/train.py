import torch
import torch.nn as nn


class Tagger(nn.Module):
    def __init__(self, num_labels=3):
        super().__init__()
        self.num_labels = num_labels
        self.fc = nn.Linear(4, num_labels)

    def forward(self, x, attention_mask=None):
        logits = self.fc(x)
        return logits


torch.manual_seed(0)
model = Tagger()
x = torch.randn(2, 5, 4)
mask = torch.tensor([[1, 1, 0, 0, 1], [1, 1, 1, 1, 0]])
y = torch.randint(0, 3, (2, 5))
criterion = nn.CrossEntropyLoss(ignore_index=-100)
logits = model(x, attention_mask=mask)
loss = criterion(logits.view(-1, model.num_labels), torch.where((mask.view(-1) == 1), y.view(-1), torch.tensor(criterion.ignore_index).type_as(y))) if mask is not None else criterion(logits.view(-1, model.num_labels), y.view(-1))
print(f"masked loss {loss.item():.6f}")
logits = model(x)
loss = criterion(logits.view(-1, model.num_labels), y.view(-1))
print(f"full loss {loss.item():.6f}")
