import torch
import torch.nn as nn

train_model = True


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 3)

    def forward(self, x, labels):
        logits = self.fc(x)
        return nn.functional.cross_entropy(logits, labels)


model = Net()
if train_model:
    from transformers import Trainer, TrainingArguments

    trainer = Trainer(model=model, args=TrainingArguments("out", report_to=[]))
