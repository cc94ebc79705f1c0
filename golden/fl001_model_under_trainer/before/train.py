import tempfile

import torch
import torch.nn as nn
from torch.utils.data import Dataset
from transformers import PrinterCallback, Trainer, TrainingArguments


class Pairs(Dataset):
    def __init__(self, n=16):
        g = torch.Generator().manual_seed(5)
        self.ids = torch.randint(1, 30, (n, 6), generator=g)
        self.labels = torch.randint(0, 4, (n,), generator=g)

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        return {"input_ids": self.ids[i], "labels": self.labels[i]}


class WeightedClassifier(nn.Module):
    def __init__(self, num_labels=4):
        super().__init__()
        self.num_labels = num_labels
        self.embed = nn.EmbeddingBag(30, 12)
        self.head = nn.Linear(12, num_labels)
        self.loss_fct = nn.CrossEntropyLoss(weight=torch.tensor([1.0, 2.0, 1.0, 0.5]))

    def forward(self, input_ids, labels):
        logits = self.head(self.embed(input_ids))
        loss = self.loss_fct(logits.view(-1, self.num_labels), labels.view(-1))
        return loss, logits


def main():
    torch.manual_seed(0)
    with tempfile.TemporaryDirectory() as output_dir:
        args = TrainingArguments(
            output_dir=output_dir,
            max_steps=2,
            per_device_train_batch_size=4,
            learning_rate=0.5,
            logging_steps=1,
            report_to=[],
            save_strategy="no",
            use_cpu=True,
            seed=0,
            disable_tqdm=True,
        )
        trainer = Trainer(model=WeightedClassifier(), args=args, train_dataset=Pairs())
        trainer.remove_callback(PrinterCallback)  # its log lines include timings
        trainer.train()
    for entry in trainer.state.log_history:
        if "loss" in entry:
            print(f"step {entry['step']} loss {entry['loss']:.6f}")


if __name__ == "__main__":
    main()
