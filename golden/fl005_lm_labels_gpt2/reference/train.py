import torch
from transformers import GPT2Config, GPT2LMHeadModel

torch.manual_seed(0)
device = torch.device("cpu")
config = GPT2Config(vocab_size=50, n_positions=32, n_embd=16, n_layer=1, n_head=2)
model = GPT2LMHeadModel(config).to(device)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
batch = torch.randint(0, 50, (2, 10))

for step in range(3):
    optimizer.zero_grad()
    loss = model(batch.to(device), labels=batch.to(device)).loss
    loss.backward()
    optimizer.step()
    print(f"step {step} loss {loss.item():.6f}")
