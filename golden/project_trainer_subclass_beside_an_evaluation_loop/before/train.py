import tempfile

import torch
from torch.utils.data import DataLoader, Dataset
from transformers import PrinterCallback, TrainingArguments

from regressor import ScoreRegressor
from trainers import QuietTrainer


class Scores(Dataset):
    def __init__(self, n, seed):
        g = torch.Generator().manual_seed(seed)
        self.ids = torch.randint(1, 40, (n, 6), generator=g)
        self.scores = torch.rand(n, generator=g) * 5

    def __len__(self):
        return len(self.ids)

    def __getitem__(self, i):
        return {"input_ids": self.ids[i], "attention_mask": torch.ones(6, dtype=torch.long), "labels": self.scores[i]}


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
        )
        trainer = QuietTrainer(model=model, args=args, train_dataset=Scores(12, 1), eval_dataset=Scores(8, 2))
        trainer.remove_callback(PrinterCallback)
        trainer.train()
        metrics = trainer.evaluate()
    for entry in trainer.state.log_history:
        if "loss" in entry:
            print(f"step {entry['step']} loss {entry['loss']:.6f}")
    print(f"eval loss {metrics['eval_loss']:.6f}")
    model.eval()
    total = 0.0
    with torch.no_grad():
        for batch in DataLoader(Scores(8, 3), batch_size=4):
            preds = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).logits
            total += float(((preds - batch["labels"]) ** 2).sum())
    print(f"squared error {total:.6f}")


if __name__ == "__main__":
    main()
