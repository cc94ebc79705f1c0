import torch
from transformers import BertConfig, BertForSequenceClassification

from model import Classifier


def train(model, batches, steps):
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-2)
    model.train()
    for step in range(steps):
        for inputs, labels in batches:
            loss, _ = model(inputs, labels)
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()
            print(f"step {step}: loss {loss.item():.6f}")


def evaluate(model, batches):
    model.eval()
    total = 0.0
    with torch.no_grad():
        for inputs, labels in batches:
            eval_loss, logit = model(inputs, labels)
            prob = model(inputs)
            total += eval_loss.item()
            print(f"eval: {eval_loss.item():.6f} {logit[0, 0].item():.6f} {prob[:, 1].sum().item():.6f}")
    return total


def main():
    torch.manual_seed(0)
    config = BertConfig(
        vocab_size=40, hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
        intermediate_size=32, max_position_embeddings=16, num_labels=2,
        hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0,
    )
    model = BertForSequenceClassification(config)
    model = Classifier(model)
    batches = [(torch.randint(1, 40, (4, 8)), torch.randint(0, 2, (4,))) for _ in range(2)]
    train(model, batches, 2)
    print(f"total: {evaluate(model, batches):.6f}")


if __name__ == "__main__":
    main()
