import tempfile

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import Dataset
from transformers import PrinterCallback, Trainer, TrainingArguments


class Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Linear(4, 6)
        self.fc = nn.Linear(6, 3)

    def forward(self, features):
        encoded = torch.tanh(self.body(features))
        logits = self.fc(encoded)
        return logits, encoded


class Points(Dataset):
    def __init__(self, n, seed):
        g = torch.Generator().manual_seed(seed)
        self.x = torch.randn(n, 4, generator=g)
        self.y = torch.randint(0, 3, (n,), generator=g)

    def __len__(self):
        return len(self.x)

    def __getitem__(self, i):
        return {"features": self.x[i], "labels": self.y[i]}


def compute_metrics(pred):
    logits, encoded = pred.predictions
    return {"accuracy": float((logits.argmax(-1) == pred.label_ids).mean()), "encoded": float(encoded.sum())}


class CriterionTrainer(Trainer):
    """Trainer for a model whose forward no longer computes the loss: it is computed here."""

    def compute_loss(self, model, inputs, return_outputs=False, **kwargs):
        labels = inputs["labels"]
        outputs = model(**{k: v for k, v in inputs.items() if k != "labels"})
        loss = F.cross_entropy(outputs[0], labels, reduction="mean")
        return (loss, (loss, *outputs)) if return_outputs else loss


def main():
    torch.manual_seed(0)
    with tempfile.TemporaryDirectory() as output_dir:
        args = TrainingArguments(
            output_dir=output_dir,
            max_steps=3,
            per_device_train_batch_size=4,
            per_device_eval_batch_size=4,
            learning_rate=0.1,
            logging_steps=1,
            report_to=[],
            save_strategy="no",
            use_cpu=True,
            seed=0,
            disable_tqdm=True,
            label_names=["labels"],
        )
        trainer = CriterionTrainer(model=Encoder(), args=args, train_dataset=Points(12, 1), eval_dataset=Points(8, 2), compute_metrics=compute_metrics)
        trainer.remove_callback(PrinterCallback)  # its log lines include timings
        trainer.train()
        metrics = trainer.evaluate()
    for entry in trainer.state.log_history:
        if "loss" in entry:
            print(f"step {entry['step']} loss {entry['loss']:.6f}")
    print(f"eval loss {metrics['eval_loss']:.6f} accuracy {metrics['eval_accuracy']:.6f} encoded {metrics['eval_encoded']:.4f}")


if __name__ == "__main__":
    main()
