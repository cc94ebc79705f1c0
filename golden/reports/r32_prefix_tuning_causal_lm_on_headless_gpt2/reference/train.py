import torch
from peft import PrefixTuningConfig, TaskType, get_peft_model
from transformers import AutoModelForCausalLM, GPT2Config

torch.manual_seed(0)
config = GPT2Config(vocab_size=50, n_positions=32, n_embd=16, n_layer=1, n_head=2)
model_ = AutoModelForCausalLM.from_config(config)

peft_config = PrefixTuningConfig(task_type=TaskType.CAUSAL_LM, inference_mode=False, num_virtual_tokens=4)
model = get_peft_model(model_, peft_config)

optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-2)
input_ids = torch.randint(0, 50, (2, 10))

model.train()
for step in range(3):
    optimizer.zero_grad()
    outputs = model(input_ids=input_ids, labels=input_ids)
    loss = outputs.loss
    loss.backward()
    optimizer.step()
    print(f"step {step} loss {loss.item():.6f}")
