import tempfile

import torch
import torch.nn as nn
from torch.utils.data import Dataset
from transformers import PrinterCallback, Trainer, TrainingArguments


class TokenTagger(nn.Module):
    def __init__(self, num_labels=3):
        super().__init__()
        self.num_labels = num_labels
        self.body = nn.Linear(4, 6)
        self.classifier = nn.Linear(6, num_labels)

    def forward(self, features, attention_mask=None):
        logits = self.classifier(torch.tanh(self.body(features)))
        return logits


class Tokens(Dataset):
    def __init__(self, n, seed):
        g = torch.Generator().manual_seed(seed)
        self.x = torch.randn(n, 5, 4, generator=g)
        self.mask = (torch.rand(n, 5, generator=g) > 0.3).long()
        self.y = torch.randint(0, 3, (n, 5), generator=g)

    def __len__(self):
        return len(self.x)

    def __getitem__(self, i):
        return {"features": self.x[i], "attention_mask": self.mask[i], "labels": self.y[i]}


class CriterionTrainer(Trainer):
    """Trainer for a model that returns its prediction: the loss is computed here."""

    def compute_loss(self, model, inputs, return_outputs=False, **kwargs):
        labels = inputs["labels"]
        logits = model(**{k: v for k, v in inputs.items() if k != "labels"})
        unwrapped_model = self.accelerator.unwrap_model(model)
        loss = nn.CrossEntropyLoss()(logits.view(-1, unwrapped_model.num_labels)[(inputs.get("attention_mask", None).view(-1) == 1)], labels.view(-1)[(inputs.get("attention_mask", None).view(-1) == 1)]) if inputs.get("attention_mask", None) is not None else nn.CrossEntropyLoss()(logits.view(-1, unwrapped_model.num_labels), labels.view(-1))
        return (loss, {"logits": logits}) if return_outputs else loss


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
        trainer = CriterionTrainer(model=TokenTagger(), args=args, train_dataset=Tokens(12, 1), eval_dataset=Tokens(8, 2))
        trainer.remove_callback(PrinterCallback)  # its log lines include timings
        trainer.train()
        metrics = trainer.evaluate()
    for entry in trainer.state.log_history:
        if "loss" in entry:
            print(f"step {entry['step']} loss {entry['loss']:.6f}")
    print(f"eval loss {metrics['eval_loss']:.6f}")


if __name__ == "__main__":
    main()
