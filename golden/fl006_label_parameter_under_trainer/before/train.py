import tempfile

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import Dataset
from transformers import PrinterCallback, Trainer, TrainingArguments


class Reviews(Dataset):
    def __init__(self, n=16):
        g = torch.Generator().manual_seed(3)
        self.ids = torch.randint(0, 30, (n, 6), generator=g)
        self.label = torch.randint(0, 2, (n,), generator=g)

    def __len__(self):
        return len(self.label)

    def __getitem__(self, i):
        return {"input_ids": self.ids[i], "label": self.label[i]}


class Classifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.EmbeddingBag(30, 8)
        self.out = nn.Linear(8, 2)

    def forward(self, input_ids, label=None):
        logits = self.out(self.embed(input_ids))
        loss = None
        if label is not None:
            loss = F.cross_entropy(logits, label)
        return {"loss": loss, "logits": logits}


def main():
    torch.manual_seed(0)
    with tempfile.TemporaryDirectory() as output_dir:
        args = TrainingArguments(
            output_dir=output_dir, max_steps=2, per_device_train_batch_size=4, learning_rate=0.5,
            logging_steps=1, report_to=[], save_strategy="no", use_cpu=True, seed=0, disable_tqdm=True,
        )
        trainer = Trainer(model=Classifier(), args=args, train_dataset=Reviews())
        trainer.remove_callback(PrinterCallback)  # its log lines include timings
        trainer.train()
    for entry in trainer.state.log_history:
        if "loss" in entry:
            print(f"step {entry['step']} loss {entry['loss']:.6f}")


if __name__ == "__main__":
    main()
