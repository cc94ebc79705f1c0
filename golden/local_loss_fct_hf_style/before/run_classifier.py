import torch
import torch.nn as nn
from torch.nn import CrossEntropyLoss


class TokenEncoder(nn.Module):
    def __init__(self, vocab_size, hidden_size):
        super().__init__()
        self.word_embeddings = nn.Embedding(vocab_size, hidden_size)
        self.layer_norm = nn.LayerNorm(hidden_size)
        self.dense = nn.Linear(hidden_size, hidden_size)

    def forward(self, input_ids):
        hidden_states = self.layer_norm(self.word_embeddings(input_ids))
        return torch.tanh(self.dense(hidden_states))


class CustomModelForSequenceClassification(nn.Module):
    def __init__(self, vocab_size, hidden_size, num_labels):
        super().__init__()
        self.num_labels = num_labels
        self.encoder = TokenEncoder(vocab_size, hidden_size)
        self.dropout = nn.Dropout(0.1)
        self.classifier = nn.Linear(hidden_size, num_labels)

    def forward(self, input_ids, labels):
        sequence_output = self.encoder(input_ids)
        pooled_output = self.dropout(sequence_output[:, 0])
        logits = self.classifier(pooled_output)

        loss_fct = CrossEntropyLoss()
        loss = loss_fct(logits.view(-1, self.num_labels), labels.view(-1))

        return (loss, logits)


def main():
    torch.manual_seed(0)
    model = CustomModelForSequenceClassification(vocab_size=50, hidden_size=16, num_labels=3)
    optimizer = torch.optim.AdamW(model.parameters(), lr=5e-3)

    input_ids = torch.randint(0, 50, (8, 6))
    labels = torch.randint(0, 3, (8,))

    model.train()
    for step in range(3):
        loss, logits = model(input_ids, labels)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        print(f"step {step} loss {loss.item():.6f}")


if __name__ == "__main__":
    main()
