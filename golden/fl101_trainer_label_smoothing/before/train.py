import os
import tempfile

import numpy as np
import torch
from transformers import PrinterCallback, Trainer, TrainingArguments

from data import Sentences
from network import EncoderLSTM


def compute_metrics(pred):
    return {"accuracy": float((np.argmax(pred.predictions, axis=-1) == pred.label_ids).mean())}


def main():
    torch.manual_seed(0)
    model = EncoderLSTM()
    with tempfile.TemporaryDirectory() as output_dir:
        training_args = TrainingArguments(
            output_dir=output_dir,
            max_steps=2,
            per_device_train_batch_size=4,
            per_device_eval_batch_size=8,
            learning_rate=0.3,
            label_smoothing_factor=0.1,
            logging_steps=1,
            eval_strategy="steps",
            eval_steps=2,
            report_to=[],
            save_strategy="no",
            use_cpu=True,
            seed=0,
            disable_tqdm=True
        )
        trainer = Trainer(
            model=model,
            args=training_args,
            train_dataset=Sentences(),
            eval_dataset=Sentences(8, seed=4),
            compute_metrics=compute_metrics,
        )
        trainer.remove_callback(PrinterCallback)  # its log lines include timings
        trainer.train()
    for entry in trainer.state.log_history:
        if "loss" in entry:
            print(f"step {entry['step']} loss {entry['loss']:.6f}")
        if "eval_loss" in entry:
            print(f"eval loss {entry['eval_loss']:.6f} accuracy {entry['eval_accuracy']:.3f}")
    torch.save(model.state_dict(), os.path.join(tempfile.gettempdir(), "fl101_label_smoothing_model.pt"))


if __name__ == "__main__":
    main()
