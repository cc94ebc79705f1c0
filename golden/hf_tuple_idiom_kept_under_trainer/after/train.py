import tempfile

import torch
from torch.utils.data import Dataset
from transformers import PrinterCallback, Trainer, TrainingArguments

from classifier import TopicClassifier
from torch import nn


class Topics(Dataset):
    def __init__(self, n, seed, with_labels=True):
        g = torch.Generator().manual_seed(seed)
        self.ids = torch.randint(1, 40, (n, 6), generator=g)
        self.topics = torch.randint(0, 3, (n,), generator=g)
        self.with_labels = with_labels

    def __len__(self):
        return len(self.ids)

    def __getitem__(self, i):
        item = {"input_ids": self.ids[i], "attention_mask": torch.ones(6, dtype=torch.long)}
        if self.with_labels:
            item["labels"] = self.topics[i]
        return item


def compute_metrics(pred):
    logits = pred.predictions[0]
    return {"accuracy": float((logits.argmax(-1) == pred.label_ids).mean()), "layers": len(pred.predictions) - 1}


class CriterionTrainer(Trainer):
    """Trainer for a model whose forward no longer computes the loss: it is computed here."""

    def compute_loss(self, model, inputs, return_outputs=False, **kwargs):
        labels = inputs["labels"]
        outputs = model(**{k: v for k, v in inputs.items() if k != "labels"})
        unwrapped_model = self.accelerator.unwrap_model(model)
        loss = nn.CrossEntropyLoss()(outputs[0].view(-1, unwrapped_model.num_labels), labels.view(-1))
        return (loss, (loss, *outputs)) if return_outputs else loss


def main():
    torch.manual_seed(0)
    model = TopicClassifier()
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
            model=model, args=args, train_dataset=Topics(12, 1), eval_dataset=Topics(8, 2), compute_metrics=compute_metrics
        )
        trainer.remove_callback(PrinterCallback)  # its log lines include timings
        trainer.train()
        metrics = trainer.evaluate()
        predictions = trainer.predict(Topics(6, 3, with_labels=False)).predictions
    for entry in trainer.state.log_history:
        if "loss" in entry:
            print(f"step {entry['step']} loss {entry['loss']:.6f}")
    print(f"eval loss {metrics['eval_loss']:.6f} accuracy {metrics['eval_accuracy']:.6f} layers {metrics['eval_layers']}")
    print("predicted", predictions[0].argmax(-1).tolist(), "hidden", [round(float(h.sum()), 4) for h in predictions[1]])


if __name__ == "__main__":
    main()
