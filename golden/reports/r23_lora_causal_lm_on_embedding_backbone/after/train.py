import tempfile

import torch
from peft import LoraConfig, get_peft_model
from transformers import MistralConfig, PrinterCallback, Trainer, TrainingArguments

from model import EmbeddingTrainModel

VOCAB = 50
GROUP_SIZE = 2  # one positive and one hard negative per query


def build_dataset(n=8, q_len=6, p_len=10):
    g = torch.Generator().manual_seed(1)
    return [
        (
            torch.randint(1, VOCAB, (q_len,), generator=g),
            [torch.randint(1, VOCAB, (p_len,), generator=g) for _ in range(GROUP_SIZE)],
        )
        for _ in range(n)
    ]


class PairCollator:
    """Stacks (query, passages) pairs into two tokenizer-like dicts."""

    def __call__(self, examples):
        query = torch.stack([q for q, _ in examples])
        passage = torch.stack([p for _, passages in examples for p in passages])
        return {
            "query": {"input_ids": query, "attention_mask": torch.ones_like(query)},
            "passage": {"input_ids": passage, "attention_mask": torch.ones_like(passage)},
        }


def main():
    torch.manual_seed(0)
    config = MistralConfig(
        vocab_size=VOCAB,
        hidden_size=16,
        intermediate_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        num_key_value_heads=1,
        max_position_embeddings=32,
    )
    model = EmbeddingTrainModel(config, temperature=0.02)

    lora = True
    if lora:
        peft_config = LoraConfig(
            inference_mode=False,
            r=2,
            lora_alpha=8,
            lora_dropout=0.0,
            target_modules=["q_proj", "k_proj", "v_proj", "o_proj"],
        )
        model.model = get_peft_model(model.model, peft_config)

    with tempfile.TemporaryDirectory() as output_dir:
        args = TrainingArguments(
            output_dir=output_dir,
            max_steps=3,
            per_device_train_batch_size=2,
            learning_rate=0.01,
            logging_steps=1,
            report_to=[],
            save_strategy="no",
            use_cpu=True,
            seed=0,
            disable_tqdm=True,
            dataloader_drop_last=True,
        )
        trainer = Trainer(model=model, args=args, train_dataset=build_dataset(), data_collator=PairCollator())
        trainer.remove_callback(PrinterCallback)  # its log lines include timings
        trainer.train()
    for entry in trainer.state.log_history:
        if "loss" in entry:
            print(f"step {entry['step']} loss {entry['loss']:.6f}")


if __name__ == "__main__":
    main()
