import torch
from torch import nn
from transformers import BertConfig, BertModel, BertPreTrainedModel

torch.manual_seed(0)


class MyBert(BertPreTrainedModel):
    def __init__(self, config):
        super().__init__(config)
        self.num_labels = config.num_labels
        self.bert = BertModel(config)
        self.dropout = nn.Dropout(config.hidden_dropout_prob)
        self.classifier = nn.Linear(config.hidden_size, config.num_labels)
        self.post_init()

    def forward(self, input_ids, attention_mask, labels):
        outputs = self.bert(input_ids=input_ids, attention_mask=attention_mask)
        pooled_output = self.dropout(outputs.pooler_output)
        logits = self.classifier(pooled_output)
        loss = nn.functional.cross_entropy(logits.view(-1, self.num_labels), labels.view(-1))
        return loss


config = BertConfig(
    vocab_size=50,
    hidden_size=16,
    num_hidden_layers=1,
    num_attention_heads=2,
    intermediate_size=32,
    max_position_embeddings=32,
    num_labels=2,
)
model = MyBert(config)
optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)

input_ids = torch.randint(0, config.vocab_size, (4, 10))
attention_mask = torch.ones_like(input_ids)
labels = torch.randint(0, config.num_labels, (4,))

model.train()
for step in range(3):
    loss = model(input_ids, attention_mask, labels)
    loss.backward()
    optimizer.step()
    optimizer.zero_grad()
    print(f"step {step} loss {loss.item():.6f}")
