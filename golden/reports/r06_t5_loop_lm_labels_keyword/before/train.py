import torch
from torch.utils.data import DataLoader, Dataset
from transformers import T5Config, T5ForConditionalGeneration

PAD_TOKEN_ID = 0


class CustomDataset(Dataset):
    def __init__(self, texts, summaries):
        self.texts = texts
        self.summaries = summaries

    def __len__(self):
        return len(self.texts)

    def __getitem__(self, index):
        source_ids = self.texts[index]
        target_ids = self.summaries[index]
        return {
            "source_ids": source_ids,
            "source_mask": (source_ids != PAD_TOKEN_ID).long(),
            "target_ids": target_ids,
        }


def train(epoch, model, device, loader, optimizer):
    model.train()
    for step, data in enumerate(loader, 0):
        y = data["target_ids"].to(device, dtype=torch.long)
        y_ids = y[:, :-1].contiguous()
        lm_labels = y[:, 1:].clone().detach()
        lm_labels[y[:, 1:] == PAD_TOKEN_ID] = -100
        ids = data["source_ids"].to(device, dtype=torch.long)
        mask = data["source_mask"].to(device, dtype=torch.long)

        outputs = model(input_ids=ids, attention_mask=mask, decoder_input_ids=y_ids, lm_labels=lm_labels)
        loss = outputs[0]

        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        print(f"step {step} loss {loss.item():.6f}")


def main():
    torch.manual_seed(0)
    device = torch.device("cpu")
    texts = torch.randint(2, 40, (12, 10))
    texts[:, -3:] = PAD_TOKEN_ID
    summaries = torch.randint(2, 40, (12, 6))
    summaries[:, 0] = PAD_TOKEN_ID
    summaries[:, -2:] = PAD_TOKEN_ID
    loader = DataLoader(CustomDataset(texts, summaries), batch_size=4, shuffle=True)

    config = T5Config(
        vocab_size=40, d_model=16, d_kv=8, d_ff=32, num_layers=1, num_decoder_layers=1, num_heads=2,
        pad_token_id=PAD_TOKEN_ID, decoder_start_token_id=PAD_TOKEN_ID,
    )
    model = T5ForConditionalGeneration(config)
    model = model.to(device)
    optimizer = torch.optim.Adam(params=model.parameters(), lr=1e-2)

    for epoch in range(1):
        train(epoch, model, device, loader, optimizer)


if __name__ == "__main__":
    main()
