import tempfile

import torch
from datasets import Dataset
from transformers import BertConfig, BertModel, PrinterCallback, Trainer, TrainingArguments


def build_squad_features(n=16, seq_len=12, vocab=50):
    # what tokenizing SQuAD-style (question, context) pairs gives: ids, segments, mask, answer span
    g = torch.Generator().manual_seed(1)
    input_ids = torch.randint(1, vocab, (n, seq_len), generator=g)
    token_type_ids = torch.zeros_like(input_ids)
    token_type_ids[:, seq_len // 2 :] = 1
    start_positions = torch.randint(seq_len // 2, seq_len - 2, (n,), generator=g)
    end_positions = start_positions + torch.randint(0, 2, (n,), generator=g)
    return Dataset.from_dict(
        {
            "input_ids": input_ids.tolist(),
            "token_type_ids": token_type_ids.tolist(),
            "attention_mask": torch.ones_like(input_ids).tolist(),
            "start_positions": start_positions.tolist(),
            "end_positions": end_positions.tolist(),
        }
    )


def main():
    torch.manual_seed(0)
    # stands for the LaBSE checkpoint, a BERT encoder
    config = BertConfig(
        vocab_size=50,
        hidden_size=16,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=32,
        max_position_embeddings=32,
    )
    model = BertModel(config)
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
        trainer = Trainer(model=model, args=args, train_dataset=build_squad_features())
        trainer.remove_callback(PrinterCallback)  # its log lines include timings
        trainer.train()
    for entry in trainer.state.log_history:
        if "loss" in entry:
            print(f"step {entry['step']} loss {entry['loss']:.6f}")


if __name__ == "__main__":
    main()
