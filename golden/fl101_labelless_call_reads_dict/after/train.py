import torch
import torch.nn as nn
from torch.nn import CrossEntropyLoss

torch.manual_seed(0)


class TinyEncoderForSequenceClassification(nn.Module):
    def __init__(self, vocab_size=64, hidden_size=16, num_labels=3):
        super().__init__()
        self.num_labels = num_labels
        self.word_embeddings = nn.Embedding(vocab_size, hidden_size)
        layer = nn.TransformerEncoderLayer(
            d_model=hidden_size, nhead=2, dim_feedforward=32, dropout=0.0, batch_first=True
        )
        self.encoder = nn.TransformerEncoder(layer, num_layers=1, enable_nested_tensor=False)
        self.classifier = nn.Linear(hidden_size, num_labels)

    def forward(self, input_ids, attention_mask=None):
        if attention_mask is None:
            attention_mask = torch.ones_like(input_ids)
        hidden = self.encoder(
            self.word_embeddings(input_ids), src_key_padding_mask=attention_mask == 0
        )
        logits = self.classifier(hidden[:, 0])

        return logits


model = TinyEncoderForSequenceClassification()
optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)

input_ids = torch.randint(0, 64, (4, 8))
attention_mask = torch.ones_like(input_ids)
attention_mask[2:, 6:] = 0
labels = torch.randint(0, 3, (4,))

model.train()
criterion = CrossEntropyLoss()
for step in range(3):
    logits = model(input_ids, attention_mask=attention_mask)
    loss = criterion(logits.view(-1, model.num_labels), labels.view(-1))
    loss.backward()
    optimizer.step()
    optimizer.zero_grad()
    print(f"step {step} loss {loss.item():.6f}")

model.eval()
with torch.no_grad():
    predictions = model(input_ids, attention_mask=attention_mask).argmax(dim=-1)
