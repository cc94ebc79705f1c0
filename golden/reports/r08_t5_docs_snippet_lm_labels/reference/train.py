# The T5 "training" docs snippet (span-corruption denoising), put in a few optimiser steps.
import torch
from transformers import T5Config, T5ForConditionalGeneration

torch.manual_seed(0)
VOCAB, EOS = 48, 1
SENTINELS = [47, 46, 45]  # stand-ins for <extra_id_0>, <extra_id_1>, <extra_id_2>

config = T5Config(
    vocab_size=VOCAB, d_model=16, d_kv=8, d_ff=32, num_layers=1, num_decoder_layers=1, num_heads=2,
    pad_token_id=0, eos_token_id=EOS, decoder_start_token_id=0,
)
model = T5ForConditionalGeneration(config)
optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)

# "The <extra_id_0> walks in <extra_id_1> park"  ->  "<extra_id_0> cute dog <extra_id_1> the <extra_id_2> </s>"
w = torch.randint(2, 40, (7,)).tolist()
input_ids = torch.tensor([[w[0], SENTINELS[0], w[1], w[2], SENTINELS[1], w[3], EOS]])
lm_labels = torch.tensor([[SENTINELS[0], w[4], w[5], SENTINELS[1], w[6], SENTINELS[2], EOS]])

model.train()
for step in range(3):
    # the forward function automatically creates the correct decoder_input_ids
    loss = model(input_ids=input_ids, labels=lm_labels)[0]
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    print(f"step {step} loss {loss.item():.6f}")
