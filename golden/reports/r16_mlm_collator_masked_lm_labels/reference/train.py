"""Masked-LM pretraining of a small BERT with Trainer and a hand-written MLM collator."""
import tempfile
from dataclasses import dataclass

import torch
from torch.nn.utils.rnn import pad_sequence
from transformers import BertConfig, BertForMaskedLM, PrinterCallback, Trainer, TrainingArguments

PAD_ID, CLS_ID, SEP_ID, MASK_ID = 0, 1, 2, 3
SPECIAL_IDS = (PAD_ID, CLS_ID, SEP_ID, MASK_ID)


@dataclass
class DataCollatorForMaskedLM:
    vocab_size: int
    mlm_probability: float = 0.15

    def __call__(self, examples):
        batch = pad_sequence(examples, batch_first=True, padding_value=PAD_ID)
        inputs, labels = self.mask_tokens(batch)
        return {"input_ids": inputs, "labels": labels}

    def mask_tokens(self, inputs):
        """80% [MASK], 10% random token, 10% unchanged, on mlm_probability of the non-special tokens."""
        labels = inputs.clone()
        probability_matrix = torch.full(labels.shape, self.mlm_probability)
        special = torch.zeros_like(labels, dtype=torch.bool)
        for token_id in SPECIAL_IDS:
            special |= labels == token_id
        probability_matrix.masked_fill_(special, 0.0)
        masked_indices = torch.bernoulli(probability_matrix).bool()
        labels[~masked_indices] = -100

        replaced = torch.bernoulli(torch.full(labels.shape, 0.8)).bool() & masked_indices
        inputs[replaced] = MASK_ID
        random_words = torch.bernoulli(torch.full(labels.shape, 0.5)).bool() & masked_indices & ~replaced
        inputs[random_words] = torch.randint(self.vocab_size, labels.shape)[random_words]
        return inputs, labels


def build_dataset(n=16, vocab_size=50):
    g = torch.Generator().manual_seed(1)
    examples = []
    for _ in range(n):
        length = int(torch.randint(6, 14, (1,), generator=g))
        body = torch.randint(len(SPECIAL_IDS), vocab_size, (length,), generator=g)
        examples.append(torch.cat([torch.tensor([CLS_ID]), body, torch.tensor([SEP_ID])]))
    return examples


def main():
    torch.manual_seed(0)
    config = BertConfig(
        vocab_size=50, hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
        intermediate_size=32, max_position_embeddings=32,
    )
    model = BertForMaskedLM(config)
    collator = DataCollatorForMaskedLM(vocab_size=config.vocab_size)
    with tempfile.TemporaryDirectory() as output_dir:
        args = TrainingArguments(
            output_dir=output_dir,
            max_steps=3,
            per_device_train_batch_size=4,
            learning_rate=1e-3,
            logging_steps=1,
            report_to=[],
            save_strategy="no",
            use_cpu=True,
            seed=0,
            disable_tqdm=True,
        )
        trainer = Trainer(model=model, args=args, train_dataset=build_dataset(), data_collator=collator)
        trainer.remove_callback(PrinterCallback)  # its log lines include timings
        trainer.train()
    for entry in trainer.state.log_history:
        if "loss" in entry:
            print(f"step {entry['step']} loss {entry['loss']:.6f}")


if __name__ == "__main__":
    main()
