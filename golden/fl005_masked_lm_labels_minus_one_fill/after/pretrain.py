import torch
from transformers import BertConfig, BertForMaskedLM

from masking import mask_tokens

torch.manual_seed(0)
config = BertConfig(
    vocab_size=60, hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
    intermediate_size=32, max_position_embeddings=32,
)
model = BertForMaskedLM(config)
optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
batch = torch.randint(5, 60, (4, 12))
for step in range(3):
    inputs, masked_lm_labels = mask_tokens(batch, mask_token_id=4)
    optimizer.zero_grad()
    outputs = model(inputs, labels=masked_lm_labels.masked_fill(masked_lm_labels == -1, -100))
    loss = outputs[0]
    loss.backward()
    optimizer.step()
    print(f"step {step} loss {loss.item():.6f}")
