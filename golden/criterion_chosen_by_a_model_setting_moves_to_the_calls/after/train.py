import torch
import torch.nn as nn

torch.manual_seed(0)


class Tagger(nn.Module):
    def __init__(self, loss_type, pad_id=0, dim=6, num_labels=4):
        super().__init__()
        self.pad_id = pad_id
        self.num_labels = num_labels
        self.loss_type = loss_type
        self.classifier = nn.Linear(dim, num_labels)

    def forward(self, embeds):
        logits = self.classifier(embeds)
        assert self.loss_type in ["smooth", "sum", "ce"]
        return logits


embeds = torch.randn(3, 5, 6)
tags = torch.randint(0, 4, (3, 5))
for loss_type in ("smooth", "sum", "ce"):
    model = Tagger(loss_type)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
    for step in range(2):
        optimizer.zero_grad()
        logits = model(embeds)
        loss = (nn.CrossEntropyLoss(ignore_index=model.pad_id, label_smoothing=0.1) if model.loss_type == "smooth" else (nn.CrossEntropyLoss(ignore_index=model.pad_id, reduction="sum") if model.loss_type == "sum" else nn.CrossEntropyLoss(ignore_index=model.pad_id)))(logits.view(-1, model.num_labels), tags.view(-1))
        loss.backward()
        optimizer.step()
        print(f"{loss_type} step {step} loss {loss.item():.6f} logits {logits.sum().item():.6f}")
