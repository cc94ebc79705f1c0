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

    def forward(self, embeds, labels):
        logits = self.classifier(embeds)
        outputs = (logits,)
        if labels is not None:
            assert self.loss_type in ["smooth", "sum", "ce"]
            if self.loss_type == "smooth":
                loss_fct = nn.CrossEntropyLoss(ignore_index=self.pad_id, label_smoothing=0.1)
            elif self.loss_type == "sum":
                loss_fct = nn.CrossEntropyLoss(ignore_index=self.pad_id, reduction="sum")
            else:
                loss_fct = nn.CrossEntropyLoss(ignore_index=self.pad_id)
            flat_logits = logits.view(-1, self.num_labels)
            flat_labels = labels.view(-1)
            loss = loss_fct(flat_logits, flat_labels)
            outputs = (loss,) + outputs
        return outputs


embeds = torch.randn(3, 5, 6)
tags = torch.randint(0, 4, (3, 5))
for loss_type in ("smooth", "sum", "ce"):
    model = Tagger(loss_type)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
    for step in range(2):
        optimizer.zero_grad()
        loss, logits = model(embeds, tags)
        loss.backward()
        optimizer.step()
        print(f"{loss_type} step {step} loss {loss.item():.6f} logits {logits.sum().item():.6f}")
