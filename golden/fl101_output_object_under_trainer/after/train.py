import tempfile

import torch
from torch.utils.data import Dataset
from transformers import PrinterCallback, Trainer, TrainingArguments

from regressor import ScoreRegressor
from torch import nn


class Scores(Dataset):
    def __init__(self, n, seed, with_labels=True):
        g = torch.Generator().manual_seed(seed)
        self.ids = torch.randint(1, 40, (n, 6), generator=g)
        self.scores = torch.rand(n, generator=g) * 5
        self.with_labels = with_labels

    def __len__(self):
        return len(self.ids)

    def __getitem__(self, i):
        item = {"input_ids": self.ids[i], "attention_mask": torch.ones(6, dtype=torch.long)}
        if self.with_labels:
            item["labels"] = self.scores[i]
        return item


def compute_metrics(pred):
    return {"mae": float(abs(pred.predictions - pred.label_ids).mean())}


class CriterionTrainer(Trainer):
    """Trainer for a model that returns its prediction: the loss is computed here."""

    def compute_loss(self, model, inputs, return_outputs=False, **kwargs):
        labels = inputs["labels"]
        logits = model(**{k: v for k, v in inputs.items() if k != "labels"})
        loss = nn.MSELoss()(logits, labels.float())
        return (loss, {"logits": logits}) if return_outputs else loss


def main():
    torch.manual_seed(0)
    model = ScoreRegressor()
    with tempfile.TemporaryDirectory() as output_dir:
        args = TrainingArguments(
            output_dir=output_dir,
            max_steps=2,
            per_device_train_batch_size=4,
            per_device_eval_batch_size=4,
            learning_rate=0.05,
            logging_steps=1,
            report_to=[],
            save_strategy="no",
            use_cpu=True,
            seed=0,
            disable_tqdm=True,
            label_names=["labels"],
        )
        trainer = CriterionTrainer(
            model=model, args=args, train_dataset=Scores(12, 1), eval_dataset=Scores(8, 2), compute_metrics=compute_metrics
        )
        trainer.remove_callback(PrinterCallback)  # its log lines include timings
        trainer.train()
        metrics = trainer.evaluate()
        predictions = trainer.predict(Scores(6, 3, with_labels=False)).predictions
    for entry in trainer.state.log_history:
        if "loss" in entry:
            print(f"step {entry['step']} loss {entry['loss']:.6f}")
    print(f"eval loss {metrics['eval_loss']:.6f} mae {metrics['eval_mae']:.6f}")
    print("predictions", " ".join(f"{p:.6f}" for p in predictions))


if __name__ == "__main__":
    main()
