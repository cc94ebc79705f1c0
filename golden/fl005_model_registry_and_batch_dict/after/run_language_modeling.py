import argparse

import torch
from transformers import GPT2Config, GPT2LMHeadModel, OpenAIGPTConfig, OpenAIGPTLMHeadModel

MODEL_CLASSES = {
    "gpt2": (GPT2Config, GPT2LMHeadModel),
    "openai-gpt": (OpenAIGPTConfig, OpenAIGPTLMHeadModel),
}


def train(args):
    config_class, model_class = MODEL_CLASSES[args.model_type]
    config = config_class(n_layer=1, n_embd=16, n_head=2, vocab_size=50, n_positions=16)
    model = model_class(config)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    batch = torch.randint(0, 50, (2, 8))
    for step in range(2):
        optimizer.zero_grad()
        inputs = {"input_ids": batch, "labels": batch}
        outputs = model(**inputs)
        loss = outputs[0]
        loss.backward()
        optimizer.step()
        print(f"step {step} loss {loss.item():.6f}")
    model.eval()
    with torch.no_grad():
        eval_loss = model(batch, labels=batch)[0]
    print(f"eval loss {eval_loss.item():.6f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--model_type", default="gpt2")
    torch.manual_seed(0)
    train(parser.parse_args([]))
