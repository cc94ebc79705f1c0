import torch
from peft import LoraConfig, TaskType, get_peft_model
from transformers import GPT2Config, GPT2LMHeadModel

torch.manual_seed(0)
config = GPT2Config(vocab_size=50, n_positions=32, n_embd=16, n_layer=1, n_head=2)
lora = LoraConfig(task_type=TaskType.CAUSAL_LM, r=2, lora_alpha=4, target_modules=["c_attn"], fan_in_fan_out=True)
model = get_peft_model(GPT2LMHeadModel(config), lora)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
batch = torch.randint(0, 50, (2, 10))

for step in range(3):
    optimizer.zero_grad()
    outputs = model(input_ids=batch, labels=batch)
    outputs.loss.backward()
    optimizer.step()
    print(f"step {step} loss {outputs.loss.item():.6f}")
