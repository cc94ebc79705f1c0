import torch
from transformers import GPT2Config

from models import GPTLM
from sft import SFTTrainer


def build_dataset(n=12, seq_len=10, prompt_len=4, vocab=50):
    ids = torch.randint(0, vocab, (n, seq_len))
    samples = []
    for row in ids:
        labels = row.clone()
        labels[:prompt_len] = -100  # no loss on the prompt
        samples.append({"input_ids": row, "attention_mask": torch.ones_like(row), "labels": labels})
    return samples


def main():
    torch.manual_seed(0)
    config = GPT2Config(vocab_size=50, n_positions=32, n_embd=16, n_layer=1, n_head=2)
    model = GPTLM(config=config)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    trainer = SFTTrainer(model, optimizer, build_dataset(), batch_size=4, max_epochs=1)
    trainer.fit()


if __name__ == "__main__":
    main()
