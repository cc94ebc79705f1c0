import torch
import torch.nn as nn
import torch.nn.functional as F
import transformers

torch.manual_seed(0)
config = transformers.BertConfig(
    vocab_size=50, hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
    intermediate_size=32, max_position_embeddings=32,
)
model = transformers.AutoModel.from_config(config)

# what the tokenizer returns for a padded batch of 4 sentences
input_ids = torch.randint(1, 50, (4, 8))
tokens_info = {
    "input_ids": input_ids,
    "token_type_ids": torch.zeros_like(input_ids),
    "attention_mask": torch.ones_like(input_ids),
}
labels = torch.randint(0, 2, (4,))


class MyBertBasedClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.bert = transformers.AutoModel.from_config(config)
        self.head = nn.Linear(16, 2)

    def forward(self, **kwargs):
        out = model(**tokens_info)["pooler_output"]
        return self.head(out)


clf = MyBertBasedClassifier()
optimizer = torch.optim.Adam(clf.parameters(), lr=1e-2)
for step in range(3):
    optimizer.zero_grad()
    logits = clf(**tokens_info)
    loss = F.cross_entropy(logits, labels)
    loss.backward()
    optimizer.step()
    print(f"step {step} loss {loss.item():.6f}")
