import torch
from peft import LoraConfig, get_peft_model
from transformers import AutoModelForImageTextToText, Mistral3Config, MistralConfig, PixtralVisionConfig

torch.manual_seed(0)
text_config = MistralConfig(
    vocab_size=50,
    hidden_size=16,
    intermediate_size=32,
    num_hidden_layers=1,
    num_attention_heads=2,
    num_key_value_heads=1,
    head_dim=8,
    max_position_embeddings=32,
)
vision_config = PixtralVisionConfig(
    hidden_size=16, intermediate_size=32, num_hidden_layers=1, num_attention_heads=2, head_dim=8, image_size=16, patch_size=4
)
config = Mistral3Config(text_config=text_config, vision_config=vision_config, image_token_index=49)

model = AutoModelForImageTextToText.from_config(config)

lora_config = LoraConfig(
    r=2,
    lora_alpha=8,
    target_modules=["q_proj", "k_proj", "v_proj", "o_proj"],
    lora_dropout=0.0,
    bias="none",
    task_type="CAUSAL_LM",
)
model = get_peft_model(model, lora_config)

optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-2)
input_ids = torch.randint(0, 48, (2, 10))  # text only: no image tokens
attention_mask = torch.ones_like(input_ids)

model.train()
for step in range(3):
    optimizer.zero_grad()
    outputs = model(input_ids=input_ids, attention_mask=attention_mask, labels=input_ids)
    loss = outputs.loss
    loss.backward()
    optimizer.step()
    print(f"step {step} loss {loss.item():.6f}")
