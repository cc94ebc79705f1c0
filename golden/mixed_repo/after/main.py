import tempfile

import torch
from transformers import (
    BertConfig,
    BertForMaskedLM,
    BertForSequenceClassification,
    PrinterCallback,
    Trainer,
    TrainingArguments,
)

from data import Tokens
from hf_model import BertWithHead
from models import Tagger, TextClassifier
import torch.nn as nn

CONFIG = dict(vocab_size=40, hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
              intermediate_size=32, max_position_embeddings=16)


def train_tagger(ids, tags):
    tagger = Tagger()
    optimizer = torch.optim.SGD(tagger.parameters(), lr=0.5)
    for step in range(2):
        optimizer.zero_grad()
        out = tagger(ids, labels=tags)
        out["loss"].backward()
        optimizer.step()
        print(f"tagger step {step} loss {out['loss'].item():.6f}")


class CriterionTrainer(Trainer):
    """Trainer for a model that returns its prediction: the loss is computed here."""

    def compute_loss(self, model, inputs, return_outputs=False, **kwargs):
        labels = inputs["labels"]
        logits = model(**{k: v for k, v in inputs.items() if k != "labels"})
        loss = nn.CrossEntropyLoss()(logits, labels)
        return (loss, {"logits": logits}) if return_outputs else loss


def train_with_trainer():
    with tempfile.TemporaryDirectory() as output_dir:
        args = TrainingArguments(
            output_dir=output_dir, max_steps=2, per_device_train_batch_size=4, learning_rate=0.1,
            logging_steps=1, report_to=[], save_strategy="no", use_cpu=True, seed=0, disable_tqdm=True, label_names=["labels"],
        )
        trainer = CriterionTrainer(model=TextClassifier(), args=args, train_dataset=Tokens())
        trainer.remove_callback(PrinterCallback)  # its log lines include timings
        trainer.train()
    for entry in trainer.state.log_history:
        if "loss" in entry:
            print(f"trainer step {entry['step']} loss {entry['loss']:.6f}")


def train_mlm(ids):
    model = BertForMaskedLM(BertConfig(**CONFIG))
    labels = ids.clone()
    outputs = model(ids, labels=labels)
    print(f"mlm loss {outputs[0].item():.6f}")


def train_classifier(ids, tags):
    model = BertForSequenceClassification(BertConfig(**CONFIG, num_labels=3))
    outputs = model(ids, labels=tags)
    print(f"classifier loss {outputs.loss.item():.6f}")


def train_hf_model(ids, tags):
    model = BertWithHead(BertConfig(**CONFIG, num_labels=3))
    loss, logits = model(ids, labels=tags)
    print(f"hf model loss {loss.item():.6f}")


def main():
    torch.manual_seed(0)
    ids = torch.randint(1, 40, (4, 8))
    tags = torch.randint(0, 3, (4,))
    train_tagger(ids, tags)
    train_with_trainer()
    train_mlm(ids)
    train_classifier(ids, tags)
    train_hf_model(ids, tags)


if __name__ == "__main__":
    main()
