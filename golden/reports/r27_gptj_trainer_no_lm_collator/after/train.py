import tempfile

import torch
from datasets import Dataset
from tokenizers import Tokenizer
from tokenizers.models import WordLevel
from tokenizers.pre_tokenizers import Whitespace
from transformers import (
    AutoModelForCausalLM,
    GPTJConfig,
    PreTrainedTokenizerFast,
    PrinterCallback,
    Trainer,
    TrainingArguments,
)
from transformers import DataCollatorForLanguageModeling

WORDS = ["once", "upon", "a", "time", "there", "was", "little", "fox", "in", "wood"]


def build_tokenizer():
    vocab = {"[PAD]": 0, "[UNK]": 1, **{w: i + 2 for i, w in enumerate(WORDS)}}
    backend = Tokenizer(WordLevel(vocab, unk_token="[UNK]"))
    backend.pre_tokenizer = Whitespace()
    return PreTrainedTokenizerFast(tokenizer_object=backend, pad_token="[PAD]", unk_token="[UNK]")


def tokenize_dataset(tokenizer, n=16):
    g = torch.Generator().manual_seed(1)
    rows = [" ".join(WORDS[j] for j in torch.randint(0, len(WORDS), (7,), generator=g).tolist()) for _ in range(n)]
    dataset = Dataset.from_dict({"text": rows})
    return dataset.map(lambda batch: tokenizer(batch["text"]), batched=True, remove_columns=["text"])


def main():
    torch.manual_seed(0)
    tokenizer = build_tokenizer()
    # stands for the GPT-J checkpoint
    config = GPTJConfig(vocab_size=len(tokenizer), n_positions=32, n_embd=16, n_layer=1, n_head=2, rotary_dim=4)
    model = AutoModelForCausalLM.from_config(config)
    with tempfile.TemporaryDirectory() as output_dir:
        args = TrainingArguments(
            output_dir=output_dir,
            max_steps=3,
            per_device_train_batch_size=4,
            learning_rate=0.01,
            logging_steps=1,
            report_to=[],
            save_strategy="no",
            use_cpu=True,
            seed=0,
            disable_tqdm=True,
        )
        trainer = Trainer(
            model=model,
            args=args,
            train_dataset=tokenize_dataset(tokenizer),
            processing_class=tokenizer,
            data_collator=DataCollatorForLanguageModeling(tokenizer, mlm=False),
        )
        trainer.remove_callback(PrinterCallback)  # its log lines include timings
        trainer.train()
    for entry in trainer.state.log_history:
        if "loss" in entry:
            print(f"step {entry['step']} loss {entry['loss']:.6f}")


if __name__ == "__main__":
    main()
