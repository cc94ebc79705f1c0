"""Next-sentence-prediction training of a small BERT with Trainer and a hand-written pair collator
that can also mask tokens for MLM (switched off here: mlm=False)."""
import tempfile
from dataclasses import dataclass

import torch
from torch.nn.utils.rnn import pad_sequence
from transformers import BertConfig, BertForNextSentencePrediction, PrinterCallback, Trainer, TrainingArguments

PAD_ID, CLS_ID, SEP_ID, MASK_ID = 0, 1, 2, 3


@dataclass
class DataCollatorForNextSentencePrediction:
    vocab_size: int
    mlm: bool = True
    mlm_probability: float = 0.15

    def __call__(self, examples):
        input_ids, segment_ids, attention_masks, nsp_labels = [], [], [], []
        for example in examples:
            a, b = example["tokens_a"], example["tokens_b"]
            ids = torch.cat([torch.tensor([CLS_ID]), a, torch.tensor([SEP_ID]), b, torch.tensor([SEP_ID])])
            input_ids.append(ids)
            segment_ids.append(torch.cat([torch.zeros(len(a) + 2, dtype=torch.long), torch.ones(len(b) + 1, dtype=torch.long)]))
            attention_masks.append(torch.ones_like(ids))
            nsp_labels.append(example["is_random_next"])
        input_ids = pad_sequence(input_ids, batch_first=True, padding_value=PAD_ID)
        if self.mlm:
            input_ids, mlm_labels = self.mask_tokens(input_ids)

        return {
            "input_ids": input_ids,
            "attention_mask": pad_sequence(attention_masks, batch_first=True, padding_value=0),
            "token_type_ids": pad_sequence(segment_ids, batch_first=True, padding_value=0),
            "masked_lm_labels": mlm_labels if self.mlm else None,
            "next_sentence_label": torch.tensor(nsp_labels),
        }

    def mask_tokens(self, inputs):
        labels = inputs.clone()
        probability_matrix = torch.full(labels.shape, self.mlm_probability)
        probability_matrix.masked_fill_(labels <= MASK_ID, 0.0)
        masked_indices = torch.bernoulli(probability_matrix).bool()
        labels[~masked_indices] = -100
        inputs[masked_indices] = MASK_ID
        return inputs, labels


def build_dataset(n=16, vocab_size=50):
    """Sentence pairs cut from random documents; half the second sentences come from another document."""
    g = torch.Generator().manual_seed(1)
    documents = [torch.randint(4, vocab_size, (20,), generator=g) for _ in range(4)]
    examples = []
    for i in range(n):
        doc = documents[i % len(documents)]
        start = int(torch.randint(0, 10, (1,), generator=g))
        tokens_a = doc[start:start + 5]
        is_random_next = int(torch.rand((), generator=g) < 0.5)
        if is_random_next:
            other = documents[(i + 1) % len(documents)]
            tokens_b = other[start:start + 5]
        else:
            tokens_b = doc[start + 5:start + 10]
        examples.append({"tokens_a": tokens_a, "tokens_b": tokens_b, "is_random_next": is_random_next})
    return examples


def main():
    torch.manual_seed(0)
    config = BertConfig(
        vocab_size=50, hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
        intermediate_size=32, max_position_embeddings=32,
    )
    model = BertForNextSentencePrediction(config)
    collator = DataCollatorForNextSentencePrediction(vocab_size=config.vocab_size, mlm=False)
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
            remove_unused_columns=False,  # the collator reads the raw sentence pairs
        )
        trainer = Trainer(model=model, args=args, train_dataset=build_dataset(), data_collator=collator)
        trainer.remove_callback(PrinterCallback)  # its log lines include timings
        trainer.train()
    for entry in trainer.state.log_history:
        if "loss" in entry:
            print(f"step {entry['step']} loss {entry['loss']:.6f}")


if __name__ == "__main__":
    main()
