import torch
from torch import nn
from transformers.modeling_outputs import SequenceClassifierOutput

torch.manual_seed(0)


class MeanPoolClassifier(nn.Module):
    def __init__(self, vocab=20, dim=8, num_labels=4):
        super().__init__()
        self.num_labels = num_labels
        self.embed = nn.Embedding(vocab, dim)
        self.layer = nn.Linear(dim, dim)
        self.classifier = nn.Linear(dim, num_labels)

    def forward(self, input_ids, attention_mask=None, labels=None):
        embedded = self.embed(input_ids)
        hidden = torch.tanh(self.layer(embedded))
        mask = attention_mask.unsqueeze(-1).float()
        pooled = (hidden * mask).sum(1) / mask.sum(1)
        logits = self.classifier(pooled)
        loss_fct = nn.CrossEntropyLoss()
        loss = loss_fct(logits.view(-1, self.num_labels), labels.view(-1))
        return SequenceClassifierOutput(loss=loss, logits=logits, hidden_states=(embedded, hidden))


model = MeanPoolClassifier()
optimizer = torch.optim.AdamW(model.parameters(), lr=0.05)
input_ids = torch.randint(0, 20, (6, 5))
attention_mask = torch.ones(6, 5, dtype=torch.long)
attention_mask[:, -1] = 0
labels = torch.randint(0, 4, (6,))

model.train()
for epoch in range(3):
    optimizer.zero_grad()
    outputs = model(input_ids, attention_mask, labels=labels)
    outputs.loss.backward()
    optimizer.step()
    print(f"epoch {epoch} loss {outputs['loss'].item():.6f} last hidden {outputs.hidden_states[-1].mean().item():.6f}")

model.eval()
with torch.no_grad():
    outputs = model(input_ids, attention_mask=attention_mask, labels=labels)
print(f"eval loss {outputs[0].item():.6f} logits {outputs[1].sum().item():.6f} embedded {outputs[2][0].sum().item():.6f}")
