import torch
from transformers import BertConfig, BertForMaskedLM


def log_metric(value, label):
    print(f"{label} {value:.6f}")


def main():
    torch.manual_seed(0)
    config = BertConfig(
        vocab_size=60, hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
        intermediate_size=32, max_position_embeddings=32,
    )
    model = BertForMaskedLM(config)
    model.train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
    input_ids = torch.randint(5, 60, (4, 12))
    labels = input_ids.clone()
    mask = torch.rand(input_ids.shape) < 0.3
    labels[~mask] = -100
    input_ids = input_ids.masked_fill(mask, 4)
    for step in range(3):
        optimizer.zero_grad()
        outputs = model(input_ids, masked_lm_labels=labels)
        loss = outputs[0]
        loss.backward()
        optimizer.step()
        log_metric(loss.item(), label=f"step {step} loss")


if __name__ == "__main__":
    main()
