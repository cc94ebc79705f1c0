"""Knowledge-infusion MLM: the training function builds the model inputs as a dict literal."""
import random

import torch
from torch.utils.data import DataLoader, RandomSampler, TensorDataset
from transformers import BertConfig, BertForMaskedLM

args = {"max_seq_length": 12, "train_batch_size": 4, "learning_rate": 1e-3, "gradient_accumulation_steps": 1}
device = torch.device("cpu")
PAD_ID, MASK_ID, BLANK_ID = 0, 3, 4


def load_examples(n=12, vocab_size=50):
    """Passages where the aspect word is [MASK]ed and the disease name is replaced by [blank];
    label_ids hold the true token at both kinds of position, -100 elsewhere."""
    length = args["max_seq_length"]
    true_ids = torch.randint(5, vocab_size, (n, length))
    input_ids = true_ids.clone()
    label_ids = torch.full_like(true_ids, -100)
    for i in range(n):
        mask_pos, blank_pos = random.sample(range(1, length - 2), 2)
        input_ids[i, mask_pos] = MASK_ID
        input_ids[i, blank_pos] = BLANK_ID
        label_ids[i, mask_pos] = true_ids[i, mask_pos]
        label_ids[i, blank_pos] = true_ids[i, blank_pos]
    input_ids[:, -2:] = PAD_ID
    input_mask = (input_ids != PAD_ID).long()
    segment_ids = torch.zeros_like(input_ids)
    return TensorDataset(input_ids, input_mask, segment_ids, label_ids)


def train(train_dataset, model):
    train_dataloader = DataLoader(train_dataset, sampler=RandomSampler(train_dataset), batch_size=args["train_batch_size"])
    optimizer = torch.optim.AdamW(model.parameters(), lr=args["learning_rate"])
    tr_loss = 0.0
    model.zero_grad()
    for step, batch in enumerate(train_dataloader):
        model.train()
        for i in range(len(batch[0])):
            for j in range(args["max_seq_length"]):
                if batch[0][i][j] == BLANK_ID:
                    # sometimes give the true disease token back, never predict it
                    if random.random() < 0.75:
                        batch[0][i][j] = batch[3][i][j]
                    batch[3][i][j] = -100
        batch = tuple(t.to(device) for t in batch)

        inputs = {"input_ids": batch[0],
                  # "attention_mask": batch[1],
                  # "token_type_ids": batch[2],
                  "labels": batch[3]}
        outputs = model(**inputs)
        loss = outputs[0]

        if args["gradient_accumulation_steps"] > 1:
            loss = loss / args["gradient_accumulation_steps"]
        loss.backward()
        tr_loss += loss.item()
        if (step + 1) % args["gradient_accumulation_steps"] == 0:
            optimizer.step()
            model.zero_grad()
        print(f"step {step} loss {loss.item():.6f}")


def main():
    random.seed(0)
    torch.manual_seed(0)
    config = BertConfig(
        vocab_size=50, hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
        intermediate_size=32, max_position_embeddings=32,
    )
    model = BertForMaskedLM(config)
    model.to(device)
    train(load_examples(), model)


if __name__ == "__main__":
    main()
