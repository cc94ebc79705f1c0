"""Fine-tunes a small DistilBERT emotion classifier (6 classes) with Trainer on a tokenized DatasetDict."""
import tempfile

import torch
from datasets import Dataset, DatasetDict
from tokenizers import Tokenizer
from tokenizers.models import WordLevel
from tokenizers.pre_tokenizers import Whitespace
from transformers import (
    AutoModelForSequenceClassification,
    DistilBertConfig,
    PreTrainedTokenizerFast,
    PrinterCallback,
    Trainer,
    TrainingArguments,
)

WORDS = ["i", "feel", "so", "happy", "sad", "angry", "today", "very", "scared", "love", "surprised", "not"]
EMOTIONS = ["sadness", "joy", "love", "anger", "fear", "surprise"]


def build_tokenizer():
    vocab = {"[PAD]": 0, "[UNK]": 1, **{w: i + 2 for i, w in enumerate(WORDS)}}
    backend = Tokenizer(WordLevel(vocab, unk_token="[UNK]"))
    backend.pre_tokenizer = Whitespace()
    return PreTrainedTokenizerFast(tokenizer_object=backend, pad_token="[PAD]", unk_token="[UNK]")


def build_emotions():
    g = torch.Generator().manual_seed(1)

    def split(n):
        lengths = torch.randint(3, 8, (n,), generator=g).tolist()
        text = [" ".join(WORDS[j] for j in torch.randint(0, len(WORDS), (k,), generator=g).tolist()) for k in lengths]
        label = torch.randint(0, len(EMOTIONS), (n,), generator=g).tolist()
        return Dataset.from_dict({"text": text, "label": label})

    return DatasetDict({"train": split(16), "validation": split(8)})


def compute_metrics(pred):
    labels = pred.label_ids
    preds = pred.predictions.argmax(-1)
    return {"accuracy": float((preds == labels).mean())}


def main():
    torch.manual_seed(0)
    device = torch.device("cpu")
    tokenizer = build_tokenizer()
    emotions = build_emotions()

    def tokenize(batch):
        return tokenizer(batch["text"], padding=True, truncation=True)

    emotions_encoded = emotions.map(tokenize, batched=True, batch_size=None)
    emotions_encoded.set_format("torch", columns=["input_ids", "attention_mask", "label"])

    num_labels = 6
    config = DistilBertConfig(
        vocab_size=len(tokenizer), dim=16, n_layers=1, n_heads=2, hidden_dim=32,
        max_position_embeddings=32, num_labels=num_labels,
    )
    model = AutoModelForSequenceClassification.from_config(config).to(device)

    with tempfile.TemporaryDirectory() as output_dir:
        training_args = TrainingArguments(
            output_dir=output_dir,
            max_steps=3,
            learning_rate=1e-3,
            per_device_train_batch_size=4,
            per_device_eval_batch_size=4,
            weight_decay=0.01,
            logging_steps=1,
            log_level="error",
            report_to=[],
            save_strategy="no",
            use_cpu=True,
            seed=0,
            disable_tqdm=True,
        )
        trainer = Trainer(
            model=model, args=training_args,
            compute_metrics=compute_metrics,
            train_dataset=emotions_encoded["train"],
            eval_dataset=emotions_encoded["validation"],
            processing_class=tokenizer,
        )
        trainer.remove_callback(PrinterCallback)  # its log lines include timings
        trainer.train()
    for entry in trainer.state.log_history:
        if "loss" in entry:
            print(f"step {entry['step']} loss {entry['loss']:.6f}")


if __name__ == "__main__":
    main()
