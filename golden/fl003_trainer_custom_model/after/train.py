import tempfile

import torch
import torch.nn as nn
from torch.utils.data import Dataset
from transformers import PrinterCallback, Trainer, TrainingArguments


class ToyTexts(Dataset):
    def __init__(self, n=16, seq_len=8, vocab=40):
        g = torch.Generator().manual_seed(1)
        self.ids = torch.randint(1, vocab, (n, seq_len), generator=g)
        self.labels = torch.randint(0, 3, (n,), generator=g)

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        return {"input_ids": self.ids[i], "attention_mask": torch.ones_like(self.ids[i]), "labels": self.labels[i]}


class BagClassifier(nn.Module):
    def __init__(self, vocab=40, dim=16, num_labels=3):
        super().__init__()
        self.embed = nn.Embedding(vocab, dim)
        self.head = nn.Linear(dim, num_labels)

    def forward(self, input_ids, attention_mask):
        mask = attention_mask.unsqueeze(-1).float()
        pooled = (self.embed(input_ids) * mask).sum(1) / mask.sum(1)
        return self.head(pooled)


class CriterionTrainer(Trainer):
    """Trainer for a model that returns its prediction: the loss is computed here."""

    def compute_loss(self, model, inputs, return_outputs=False, **kwargs):
        labels = inputs["labels"]
        logits = model(**{k: v for k, v in inputs.items() if k != "labels"})
        loss = nn.CrossEntropyLoss()(logits, labels)
        return (loss, {"logits": logits}) if return_outputs else loss


def main():
    torch.manual_seed(0)
    model = BagClassifier()
    with tempfile.TemporaryDirectory() as output_dir:
        args = TrainingArguments(
            output_dir=output_dir,
            max_steps=2,
            per_device_train_batch_size=4,
            learning_rate=0.1,
            logging_steps=1,
            report_to=[],
            save_strategy="no",
            use_cpu=True,
            seed=0,
            disable_tqdm=True,
            label_names=["labels"],
        )
        trainer = CriterionTrainer(model=model, args=args, train_dataset=ToyTexts())
        trainer.remove_callback(PrinterCallback)  # its log lines include timings
        trainer.train()
    for entry in trainer.state.log_history:
        if "loss" in entry:
            print(f"step {entry['step']} loss {entry['loss']:.6f}")


if __name__ == "__main__":
    main()
