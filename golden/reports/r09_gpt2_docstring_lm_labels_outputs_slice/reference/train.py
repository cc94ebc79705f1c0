# Following the GPT2LMHeadModel docstring: "you can set lm_labels = input_ids" (the labels are shifted inside the model).
import torch
from transformers import GPT2Config, GPT2LMHeadModel

torch.manual_seed(0)
config = GPT2Config(vocab_size=50, n_positions=32, n_embd=16, n_layer=1, n_head=2)
model = GPT2LMHeadModel(config)
optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
corpus = torch.randint(0, 50, (6, 12))

model.train()
for step, input_ids in enumerate(corpus.split(2)):
    outputs = model(input_ids, labels=input_ids)
    loss, logits = outputs[:2]
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    print(f"step {step} loss {loss.item():.6f}")
