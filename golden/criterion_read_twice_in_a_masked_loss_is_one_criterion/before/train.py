import torch
import torch.nn as nn


class Tagger(nn.Module):
    def __init__(self, num_labels=3):
        super().__init__()
        self.num_labels = num_labels
        self.fc = nn.Linear(4, num_labels)

    def forward(self, x, attention_mask=None, labels=None):
        logits = self.fc(x)
        loss = None
        if labels is not None:
            loss_fct = nn.CrossEntropyLoss(ignore_index=-100)
            if attention_mask is not None:
                active = attention_mask.view(-1) == 1
                active_labels = torch.where(active, labels.view(-1), torch.tensor(loss_fct.ignore_index).type_as(labels))
                loss = loss_fct(logits.view(-1, self.num_labels), active_labels)
            else:
                loss = loss_fct(logits.view(-1, self.num_labels), labels.view(-1))
        return loss, logits


torch.manual_seed(0)
model = Tagger()
x = torch.randn(2, 5, 4)
mask = torch.tensor([[1, 1, 0, 0, 1], [1, 1, 1, 1, 0]])
y = torch.randint(0, 3, (2, 5))
loss, logits = model(x, attention_mask=mask, labels=y)
print(f"masked loss {loss.item():.6f}")
loss, logits = model(x, labels=y)
print(f"full loss {loss.item():.6f}")
