import torch
import torch.nn as nn
from transformers import BertConfig, BertForSequenceClassification

torch.manual_seed(0)

config = BertConfig(
    vocab_size=50,
    hidden_size=16,
    num_hidden_layers=1,
    num_attention_heads=2,
    intermediate_size=32,
    num_labels=2,
)
pretrained_model = BertForSequenceClassification(config)


class MyTransformer(nn.Module):
    def __init__(self, pretrained_model):
        super().__init__()
        self.transformer = pretrained_model
    def forward(self, input_ids, attention_mask): # Incorrect: labels should NOT be here
        outputs = self.transformer(input_ids, attention_mask)
        logits = outputs.logits
        return logits

# ... later in training loop ...
model = MyTransformer(pretrained_model)
optimizer = torch.optim.AdamW(model.parameters(), lr=5e-5)

input_ids = torch.randint(0, 50, (4, 8))
attention_mask = torch.ones(4, 8, dtype=torch.long)
labels = torch.randint(0, 2, (4,))

model.train()
criterion = nn.CrossEntropyLoss()
for step in range(3):
    optimizer.zero_grad()
    logits = model(input_ids, attention_mask)
    loss = criterion(logits, labels)
    loss.backward()
    optimizer.step()
    print(f"step {step} loss {loss.item():.6f}")
