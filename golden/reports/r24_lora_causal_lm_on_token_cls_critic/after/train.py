import torch
from peft import LoraConfig, TaskType, get_peft_model
from transformers import AutoModelForTokenClassification, Qwen2Config

VOCAB = 50
RESPONSE_LENGTH = 4
CLIP_RANGE_VALUE = 0.5


def build_critic_module(config, lora_rank=0, lora_alpha=16):
    # The critic is a value model: one score per token.
    critic_module = AutoModelForTokenClassification.from_config(config)
    if lora_rank > 0:
        critic_module.enable_input_require_grads()
        lora_config = {
            "task_type": TaskType.TOKEN_CLS,
            "r": lora_rank,
            "lora_alpha": lora_alpha,
            "target_modules": ["q_proj", "k_proj", "v_proj", "o_proj"],
            "bias": "none",
        }
        critic_module = get_peft_model(critic_module, LoraConfig(**lora_config))
    return critic_module


def forward_values(critic_module, input_ids, attention_mask, position_ids):
    output = critic_module(input_ids=input_ids, attention_mask=attention_mask, position_ids=position_ids, use_cache=False)
    values = output.logits
    return values[:, -RESPONSE_LENGTH - 1 : -1].squeeze(-1)


def compute_value_loss(vpreds, returns, old_values, response_mask):
    vpredclipped = old_values + (vpreds - old_values).clamp(-CLIP_RANGE_VALUE, CLIP_RANGE_VALUE)
    losses = torch.max((vpreds - returns) ** 2, (vpredclipped - returns) ** 2)
    return 0.5 * (losses * response_mask).sum() / response_mask.sum()


def main():
    torch.manual_seed(0)
    config = Qwen2Config(
        vocab_size=VOCAB,
        hidden_size=16,
        intermediate_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        num_key_value_heads=1,
        max_position_embeddings=32,
        num_labels=1,
    )
    critic_module = build_critic_module(config, lora_rank=2)
    optimizer = torch.optim.AdamW([p for p in critic_module.parameters() if p.requires_grad], lr=1e-2)

    input_ids = torch.randint(0, VOCAB, (4, 12))
    attention_mask = torch.ones_like(input_ids)
    position_ids = torch.arange(input_ids.size(1)).unsqueeze(0).expand_as(input_ids)
    returns = torch.randn(4, RESPONSE_LENGTH)
    old_values = torch.randn(4, RESPONSE_LENGTH)
    response_mask = torch.ones(4, RESPONSE_LENGTH)

    critic_module.train()
    for step in range(3):
        optimizer.zero_grad()
        vpreds = forward_values(critic_module, input_ids, attention_mask, position_ids)
        loss = compute_value_loss(vpreds, returns, old_values, response_mask)
        loss.backward()
        optimizer.step()
        print(f"step {step} loss {loss.item():.6f}")


if __name__ == "__main__":
    main()
