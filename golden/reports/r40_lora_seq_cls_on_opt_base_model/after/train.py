import torch
import torch.nn as nn
from peft import LoraConfig, TaskType, get_peft_model
from transformers import AutoModelForSequenceClassification, OPTConfig

torch.manual_seed(0)
device = torch.device("cpu")

config = OPTConfig(
    vocab_size=50,
    hidden_size=16,
    word_embed_proj_dim=16,
    ffn_dim=32,
    num_hidden_layers=1,
    num_attention_heads=2,
    max_position_embeddings=32,
    num_labels=2,
)
model = AutoModelForSequenceClassification.from_config(config)

peft_config = LoraConfig(
    task_type=TaskType.SEQ_CLS,
    inference_mode=False,
    r=2,
    lora_alpha=8,
    lora_dropout=0.0,
    target_modules=["q_proj", "v_proj"],
)
model = get_peft_model(model, peft_config)
model.to(device)

input_ids = torch.randint(2, 50, (4, 10))  # 1 is OPT's pad token
att_mask = torch.ones_like(input_ids)
labels = torch.randint(0, 2, (4,))

criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-2)

model.train()
for step in range(3):
    optimizer.zero_grad()
    outputs = model(input_ids=input_ids.to(device), att_mask=att_mask.to(device))
    loss = criterion(outputs.logits, labels.to(device))
    loss.backward()
    optimizer.step()
    print(f"step {step} loss {loss.item():.6f}")
