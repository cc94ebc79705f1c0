import tempfile

import torch
from tokenizers import Tokenizer
from tokenizers.models import WordLevel
from tokenizers.pre_tokenizers import Whitespace
from torch.utils.data import Dataset
from transformers import (
    DataCollatorForLanguageModeling,
    PreTrainedTokenizerFast,
    PrinterCallback,
    RobertaConfig,
    RobertaForMaskedLM,
    Trainer,
    TrainingArguments,
)

WORDS = ["we", "train", "a", "new", "language", "model", "from", "scratch", "on", "text"]


def build_tokenizer():
    specials = {"<s>": 0, "<pad>": 1, "</s>": 2, "<unk>": 3, "<mask>": 4}
    vocab = {**specials, **{w: i + len(specials) for i, w in enumerate(WORDS)}}
    backend = Tokenizer(WordLevel(vocab, unk_token="<unk>"))
    backend.pre_tokenizer = Whitespace()
    return PreTrainedTokenizerFast(
        tokenizer_object=backend, bos_token="<s>", eos_token="</s>", pad_token="<pad>", unk_token="<unk>", mask_token="<mask>"
    )


class LineByLineText(Dataset):
    """One example per line of text, like transformers' old LineByLineTextDataset (read from memory here)."""

    def __init__(self, tokenizer, lines, block_size):
        encoding = tokenizer(lines, truncation=True, max_length=block_size)
        self.examples = [{"input_ids": torch.tensor(ids, dtype=torch.long)} for ids in encoding["input_ids"]]

    def __len__(self):
        return len(self.examples)

    def __getitem__(self, i):
        return self.examples[i]


def make_lines(n=16):
    g = torch.Generator().manual_seed(1)
    return [" ".join(WORDS[j] for j in torch.randint(0, len(WORDS), (8,), generator=g).tolist()) for _ in range(n)]


def main():
    torch.manual_seed(0)
    tokenizer = build_tokenizer()
    configuration = RobertaConfig(
        vocab_size=len(tokenizer),
        hidden_size=16,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=32,
        max_position_embeddings=34,
        type_vocab_size=1,
    )
    model = RobertaForMaskedLM(configuration)
    dataset = LineByLineText(tokenizer=tokenizer, lines=make_lines(), block_size=16)
    data_collator = DataCollatorForLanguageModeling(tokenizer=tokenizer, mlm=False, mlm_probability=0.15)
    with tempfile.TemporaryDirectory() as output_dir:
        training_args = TrainingArguments(
            output_dir=output_dir,
            max_steps=3,
            per_device_train_batch_size=4,
            learning_rate=0.01,
            prediction_loss_only=True,
            logging_steps=1,
            report_to=[],
            save_strategy="no",
            use_cpu=True,
            seed=0,
            disable_tqdm=True,
        )
        trainer = Trainer(model=model, args=training_args, data_collator=data_collator, train_dataset=dataset)
        trainer.remove_callback(PrinterCallback)  # its log lines include timings
        trainer.train()
    for entry in trainer.state.log_history:
        if "loss" in entry:
            print(f"step {entry['step']} loss {entry['loss']:.6f}")


if __name__ == "__main__":
    main()
