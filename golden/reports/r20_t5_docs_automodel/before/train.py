import torch
from transformers import AutoModel, T5Config

torch.manual_seed(0)
config = T5Config(
    vocab_size=64,
    d_model=16,
    d_kv=8,
    d_ff=32,
    num_layers=1,
    num_heads=2,
    pad_token_id=0,
    decoder_start_token_id=0,
)
model = AutoModel.from_config(config)
optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)

# stand-ins for tokenizer("translate English to German: ...").input_ids and tokenizer("Das Haus ...").input_ids
input_ids = torch.randint(1, 64, (2, 12))
labels = torch.randint(1, 64, (2, 8))

model.train()
for step in range(3):
    optimizer.zero_grad()
    # the forward function automatically creates the correct decoder_input_ids
    loss = model(input_ids=input_ids, labels=labels).loss
    loss.backward()
    optimizer.step()
    print(f"step {step} loss {loss.item():.6f}")
